import { type OpenAIServer, OtlpReceiver, startOpenAIServer, until } from '@genai-metrics/testkit';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, bundleWorker } from '../src/bundle.js';
import { EXPECTED_RESULT, EXPECTED_TOTALS, totalsOf } from '../src/expectations.js';
import { workerIsolate } from '../src/worker-isolate.js';

/**
 * The Worker (apps/worker.ts) bundled as wrangler bundles it, run by the real workerd binary from the
 * npm registry through Miniflare, with and without nodejs_compat, pushing OTLP over fetch in both HTTP
 * encodings to a receiver this test runs.
 */
let openai: OpenAIServer;
let receiver: OtlpReceiver;
let script: string;

beforeAll(async () => {
  openai = await startOpenAIServer({ promptTokens: 7 });
  receiver = await OtlpReceiver.start('http');
  script = (await bundleWorker(`${APPS}worker.ts`)).code;
});

afterAll(async () => {
  await openai?.close();
  await receiver?.stop();
});

const CASES = [
  { flags: [], protocol: 'http/protobuf' },
  { flags: [], protocol: 'http/json' },
  { flags: ['nodejs_compat'], protocol: 'http/protobuf' },
  { flags: ['nodejs_compat'], protocol: 'http/json' },
] as const;

describe.each(CASES)('workerd, compatibility flags [$flags], OTLP $protocol', ({ flags, protocol }) => {
  it('records the three calls and exports them after the response was sent (ctx.waitUntil)', async () => {
    const mf = new Miniflare({
      modules: true,
      script,
      compatibilityDate: '2025-09-01',
      compatibilityFlags: [...flags],
      bindings: {
        OTLP_URL: receiver.metricsEndpoint,
        OTLP_PROTOCOL: protocol,
        OPENAI_BASE_URL: openai.baseURL,
      },
    });
    const exportsBefore = receiver.exports.length;
    const receivedBefore = receiver.received;
    let release!: () => void;
    receiver.behaviour = { mode: 'hold', until: new Promise<void>((r) => (release = r)) };
    try {
      openai.enqueue({ chunks: 3 }, { chunks: 3 }, { status: 400 });
      // The receiver holds every export until released, and the Worker's export and flush bounds are
      // 60 s: a response while the export is held means the flush was handed to ctx.waitUntil.
      const response = await withDeadline(
        mf.dispatchFetch('http://worker.test/'),
        20_000,
        'no response while the export was held: the flush was awaited, not handed to ctx.waitUntil',
      );
      const body = (await response.json()) as Record<string, unknown>;
      expect(response.status).toBe(200);
      expect(body).toEqual({ ...EXPECTED_RESULT, hasProcess: flags.length > 0 });
      expect(receiver.exports.length).toBe(exportsBefore); // nothing accepted before the response

      // The export is under way (it reached the receiver) after the response went out.
      await until(() => receiver.received > receivedBefore, 'the export to reach the receiver');
      release();
      await receiver.waitForAccepted(exportsBefore + 1);
      const received = receiver.exports.slice(exportsBefore);
      expect(received.map((e) => e.encoding)).toEqual([protocol === 'http/json' ? 'json' : 'protobuf']);
      const points = received.flatMap((e) => e.points);
      expect(totalsOf(points)).toEqual(EXPECTED_TOTALS);
      for (const p of points) {
        // Histograms and counters are delta; an up-down counter (llm.requests.active) stays cumulative.
        if (p.kind === 'histogram') expect(p.temporality).toBe('delta');
        expect(p.resource['service.name']).toBe('runtime-tests-worker');
        expect(p.startTimeUnixNano).toBeGreaterThan(Date.UTC(2020, 0) * 1e6);
        expect(p.timeUnixNano).toBeGreaterThanOrEqual(p.startTimeUnixNano);
      }
    } finally {
      release();
      receiver.behaviour = { mode: 'accept' };
      await mf.dispose();
    }
  });
});

it('concurrent requests in one isolate: every operation exported exactly once across their flushes', async () => {
  const mf = workerIsolate(script, {
    OTLP_URL: receiver.metricsEndpoint,
    OTLP_PROTOCOL: 'http/protobuf',
    OPENAI_BASE_URL: openai.baseURL,
  });
  const before = receiver.exports.length;
  openai.defaults = { chunks: 3 }; // no failure here: the requests interleave at the server
  try {
    const responses = await Promise.all([1, 2, 3].map(() => mf.dispatchFetch('http://worker.test/')));
    for (const r of responses) expect(((await r.json()) as { failed: string }).failed).toBe('no error');
    // Each request's flush exports what had ended by then; together: each of the 9 calls once.
    const received = () =>
      totalsOf(receiver.exports.slice(before).flatMap((e) => (e.accepted ? e.points : [])));
    await until(() => received().operations >= 9, 'all 9 operations at the receiver');
    expect(received()).toEqual({
      operations: 9,
      succeeded: 9,
      failed: 0,
      input: { count: 9, sum: 63 },
      output: { count: 9, sum: 27 },
      firstChunks: 3,
      chunkGaps: 6,
    });
  } finally {
    openai.reset();
    await mf.dispose();
  }
});

it('a streamed Response: its operation, which ends as the body is sent, is flushed after the body (ctx.waitUntil)', async () => {
  const mf = new Miniflare({
    modules: true,
    script: (await bundleWorker(`${APPS}worker-stream.ts`)).code,
    compatibilityDate: '2025-09-01',
    bindings: { OTLP_URL: receiver.metricsEndpoint },
  });
  const before = receiver.exports.length;
  try {
    const response = await mf.dispatchFetch('http://worker.test/');
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(await response.text()).toBe('data: 1\n\ndata: 2\n\ndata: 3\n\n');
    // No other request follows: only this invocation's own flush can bring the operation.
    const received = () =>
      totalsOf(receiver.exports.slice(before).flatMap((e) => (e.accepted ? e.points : [])));
    await until(() => received().operations >= 1, 'the streamed operation at the receiver');
    expect(received()).toMatchObject({ operations: 1, succeeded: 1, firstChunks: 1, chunkGaps: 2 });
  } finally {
    await mf.dispose();
  }
});

it('work the handler hands to ctx.waitUntil itself: its operations, which end after the response, are flushed once it settles', async () => {
  const mf = new Miniflare({
    modules: true,
    script: (await bundleWorker(`${APPS}worker-background.ts`)).code,
    compatibilityDate: '2025-09-01',
    bindings: { OTLP_URL: receiver.metricsEndpoint, OPENAI_BASE_URL: openai.baseURL },
  });
  const before = receiver.exports.length;
  try {
    openai.enqueue({ chunks: 3 }, { chunks: 3 }, { status: 400 });
    const response = await mf.dispatchFetch('http://worker.test/');
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('accepted');
    // No other request follows: only this invocation's own flushes can bring the three calls.
    const received = () =>
      totalsOf(receiver.exports.slice(before).flatMap((e) => (e.accepted ? e.points : [])));
    await until(() => received().operations >= 3, 'the background calls at the receiver');
    expect(received()).toEqual(EXPECTED_TOTALS);
  } finally {
    openai.reset();
    await mf.dispose();
  }
});

it('what workerd lacks fails at setup, naming the runtime and the alternative (never at import)', async () => {
  const mf = new Miniflare({
    modules: true,
    script: (await bundleWorker(`${APPS}worker-unsupported.ts`)).code,
    compatibilityDate: '2025-09-01',
  });
  try {
    const messages = (await (await mf.dispatchFetch('http://worker.test/')).json()) as Record<string, string>;
    const runtime = 'Cloudflare Workers (workerd)';
    expect(messages.prometheus).toContain(
      `Prometheus exporter serves /metrics from a Node HTTP server, which ${runtime} does not have`,
    );
    expect(messages.prometheus).toContain('use serverless: true');
    expect(messages.listener).toContain(runtime);
    expect(messages.grpc).toContain(
      `OTLP over gRPC needs Node’s HTTP/2 client, which ${runtime} does not have`,
    );
    expect(messages.grpc).toContain("'http/protobuf' or 'http/json'");
    expect(messages.signals).toContain(`handleSignals needs process signals, which ${runtime} does not have`);
    expect(messages.signals).toContain('withMetricsFlush');
  } finally {
    await mf.dispose();
  }
});

function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
