import { OtlpReceiver } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics, withMetricsFlush } from '../../src/index.js';

/**
 * withMetricsFlush with a Workers-style execution context (`{ waitUntil }`) among the handler's
 * arguments, in Node against a real OTLP receiver. The real workerd run is in packages/runtime-tests;
 * here: what is handed over, and that odd arguments never break an invocation.
 */

let receiver: OtlpReceiver;
let metrics: MetricsHandle;

beforeAll(async () => {
  receiver = await OtlpReceiver.start('http');
  metrics = await setupMetrics({
    serverless: true,
    otlp: { protocol: 'http/protobuf', url: receiver.metricsEndpoint, timeoutMillis: 5_000 },
  });
});

afterEach(() => {
  receiver.behaviour = { mode: 'accept' };
});

afterAll(async () => {
  await metrics?.shutdown().catch(() => undefined);
  await receiver?.stop();
});

function recordChat(model: string): void {
  const op = metrics.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: model });
  op.end();
}

function countFor(model: string): number {
  return receiver
    .acceptedPoints()
    .filter(
      (p) =>
        p.metric === 'gen_ai.client.operation.duration' && p.attributes['gen_ai.request.model'] === model,
    )
    .reduce((a, p) => a + (p.count ?? 0), 0);
}

/** A context like Workers' ExecutionContext: records what it was handed, with itself as `this`. */
class Context {
  readonly handed: Promise<unknown>[] = [];
  waitUntil(promise: Promise<unknown>): void {
    if (!(this instanceof Context)) throw new TypeError('Illegal invocation');
    this.handed.push(promise);
  }
}

describe('withMetricsFlush with an execution context', () => {
  it('resolves before the export completes and hands the flush to waitUntil (fetch(request, env, ctx))', async () => {
    let release!: () => void;
    receiver.behaviour = { mode: 'hold', until: new Promise<void>((r) => (release = r)) };
    const ctx = new Context();
    const handler = withMetricsFlush(metrics, async (_request: string, _env: object, _ctx: Context) => {
      recordChat('ctx-fetch');
      return 'response';
    });
    // The receiver holds the export: an awaited flush could not let the invocation resolve.
    await expect(handler('request', {}, ctx)).resolves.toBe('response');
    expect(ctx.handed).toHaveLength(1);
    expect(countFor('ctx-fetch')).toBe(0);
    release();
    await expect(ctx.handed[0]).resolves.toBeUndefined();
    expect(countFor('ctx-fetch')).toBe(1);
  });

  it('hands the flush over when the handler throws, and rethrows the same error at once', async () => {
    const ctx = new Context();
    const boom = new Error('boom');
    const handler = withMetricsFlush(metrics, async (_event: unknown, _ctx: Context) => {
      recordChat('ctx-throws');
      throw boom;
    });
    await expect(handler({}, ctx)).rejects.toBe(boom);
    expect(ctx.handed).toHaveLength(1);
    await ctx.handed[0];
    expect(countFor('ctx-throws')).toBe(1);
  });

  it('the promise handed over never rejects and is bounded by flushTimeoutMillis', async () => {
    receiver.behaviour = { mode: 'fail' };
    const ctx = new Context();
    await withMetricsFlush(metrics, async (_c: Context) => recordChat('ctx-fail'))(ctx);
    await expect(ctx.handed[0]).resolves.toBeUndefined();

    let release!: () => void;
    receiver.behaviour = { mode: 'hold', until: new Promise<void>((r) => (release = r)) };
    const slow = new Context();
    await withMetricsFlush(metrics, async (_c: Context) => recordChat('ctx-slow'), {
      flushTimeoutMillis: 100,
    })(slow);
    // Resolves after ~100 ms although the receiver is still holding the export.
    await expect(slow.handed[0]).resolves.toBeUndefined();
    expect(countFor('ctx-slow')).toBe(0);
    release();
  });

  it('awaits the flush itself when waitUntil throws', async () => {
    const ctx = {
      waitUntil() {
        throw new Error('waitUntil() called after the response');
      },
    };
    const handler = withMetricsFlush(metrics, async (_c: typeof ctx) => {
      recordChat('ctx-refused');
      return 'ok';
    });
    await expect(handler(ctx)).resolves.toBe('ok');
    expect(countFor('ctx-refused')).toBe(1); // arrived before the invocation resolved
  });

  it('any arguments — proxies, throwing getters, symbols, bigints, cyclic objects — never break the invocation', async () => {
    const throwing = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    const getter = Object.defineProperty({}, 'waitUntil', {
      get() {
        throw new Error('getter');
      },
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const odd = fc.constantFrom<unknown>(
      throwing,
      getter,
      cyclic,
      Symbol('s'),
      10n,
      null,
      undefined,
      { waitUntil: 'not a function' },
      () => undefined,
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(odd, fc.anything()), { maxLength: 4 }), async (args) => {
        const handler = withMetricsFlush(metrics, (...received: unknown[]) => received.length);
        await expect(handler(...args)).resolves.toBe(args.length);
      }),
      { numRuns: 40 },
    );
  });
});
