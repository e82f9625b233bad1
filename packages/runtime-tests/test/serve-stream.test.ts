import { readdirSync, readFileSync } from 'node:fs';
import { OtlpReceiver, until } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIMES, startApp } from '../src/runtimes.js';

/**
 * A streamed answer from a handler wrapped by withMetricsFlush on Bun.serve and Deno.serve (real
 * binaries from the npm registry; apps/serve-stream.ts): the operation ends while the runtime sends
 * the body, after the handler returned. Its flush must run at the body's end — so when the client has
 * read the whole body, the operation has arrived — and a client that leaves mid-stream must still get
 * its operation exported (abandoned) without another request.
 */
let receiver: OtlpReceiver;

beforeAll(async () => {
  receiver = await OtlpReceiver.start('http');
});

afterAll(async () => {
  await receiver?.stop();
});

const pointsOf = (model: string) => receiver.operationPoints(model);

describe.each(RUNTIMES)('$name', (runtime) => {
  it('a streamed body is flushed at its end, before the client sees the end; a client that leaves too', async () => {
    const app = startApp(runtime, 'apps/serve-stream.ts', { OTLP_URL: receiver.metricsEndpoint });
    try {
      const { url } = (await app.firstLine) as { url: string };
      const full = `${runtime.name}-full`;
      const text = await (await fetch(`${url}${full}?chunks=3`)).text();
      expect(text).toBe('data: 1\n\ndata: 2\n\ndata: 3\n\n');
      // The body's end was delivered after the flush: nothing to wait for.
      expect(pointsOf(full).map((p) => p.count)).toEqual([1]);

      const left = `${runtime.name}-left`;
      const abort = new AbortController();
      const response = await fetch(`${url}${left}?chunks=1000000`, { signal: abort.signal });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      abort.abort();
      await until(() => pointsOf(left).length > 0, `${runtime.name}: the abandoned stream's flush`, 20_000);
      expect(pointsOf(left)).toHaveLength(1);
      expect(pointsOf(left)[0]?.attributes['error.type']).toBe('cancelled');
    } finally {
      // The runtime itself ends too, not only the .bin shim that started it (see RunningApp.stop).
      const started = descendants(app.child.pid!);
      app.stop();
      await app.exited;
      await until(
        () => started.every((pid) => !alive(pid)),
        `${runtime.name}: the runtime's processes ending`,
        20_000,
      );
    }
  }, 60_000);
});

/** The processes `pid` started, and theirs (Linux: /proc/<pid>/task/<tid>/children). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
    for (const child of children ? children.split(' ').map(Number) : [])
      out.push(child, ...descendants(child));
  }
  return out;
}

/** Is `pid` still running (signal 0 checks without sending; a zombie has no cmdline)? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').length > 0;
  } catch {
    return false;
  }
}
