import { OtlpReceiver } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIMES, startApp } from '../src/runtimes.js';

/**
 * withMetricsFlush on Bun.serve and Deno.serve must hand the client the answer the handler gave.
 * Bun types a Response by its body when it sends it — a string as text/plain;charset=utf-8, bytes as
 * application/octet-stream — and drops a Blob's type from the headers once the body has been read. The
 * copy withMetricsFlush made of a non-JSON answer therefore went out with no Content-Type at all: a
 * browser showed UTF-8 text as mojibake, an HTML page as text. apps/serve-body-types.ts serves each
 * answer as it is and wrapped; the client must see the same type and bytes, and the operation arrive.
 */
let receiver: OtlpReceiver;

beforeAll(async () => {
  receiver = await OtlpReceiver.start('http');
});

afterAll(async () => {
  await receiver?.stop();
});

const PATHS = ['/text', '/bytes', '/html', '/text?running', '/html?running'];

describe.each(RUNTIMES)('$name', (runtime) => {
  it('a wrapped answer has the type and bytes the handler gave it', async () => {
    const app = startApp(runtime, 'apps/serve-body-types.ts', { OTLP_URL: receiver.metricsEndpoint });
    try {
      const urls = (await app.firstLine) as { plain: string; wrapped: string };
      for (const path of PATHS) {
        const plain = await fetch(`${urls.plain}${path}`);
        const plainBytes = new Uint8Array(await plain.arrayBuffer());
        const wrapped = await fetch(`${urls.wrapped}${path}`);
        const wrappedBytes = new Uint8Array(await wrapped.arrayBuffer());
        expect(wrapped.headers.get('content-type'), path).toBe(plain.headers.get('content-type'));
        expect(wrappedBytes, path).toEqual(plainBytes);
      }
      // The answers returned as they are were flushed before they went out.
      for (const path of ['text', 'bytes', 'html']) {
        const model = `${runtime.name}-${path}`;
        expect(
          receiver.operationPoints(model).map((p) => p.count),
          model,
        ).toEqual([1]);
      }
    } finally {
      app.stop();
      await app.exited;
    }
  }, 60_000);
});
