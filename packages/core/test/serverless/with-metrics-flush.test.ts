import { OtlpReceiver } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics, withMetricsFlush } from '../../src/index.js';

/**
 * withMetricsFlush against a real OTLP/HTTP receiver on 127.0.0.1 (testkit's OtlpReceiver decodes
 * with the official protobuf definitions). Serverless mode: delta temporality, no periodic export —
 * so whatever the receiver has when an invocation returns was sent by that invocation's flush.
 */

const DURATION = 'gen_ai.client.operation.duration';

let receiver: OtlpReceiver;
let metrics: MetricsHandle;

beforeAll(async () => {
  receiver = await OtlpReceiver.start('http');
  metrics = await setupMetrics({
    serverless: true,
    otlp: { protocol: 'http/json', url: receiver.metricsEndpoint, timeoutMillis: 1_000 },
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
  op.setUsage({ inputTokens: 3, outputTokens: 4 });
  op.end();
}

/** Duration points of `model` received so far (delta: one point per flush that carried it). */
function durationPoints(model: string) {
  return receiver
    .acceptedPoints()
    .filter((p) => p.metric === DURATION && p.attributes['gen_ai.request.model'] === model);
}

describe('withMetricsFlush', () => {
  it('returns the handler’s value with its this and arguments, after the flush has arrived', async () => {
    const target = {
      prefix: 'hi',
      handler: withMetricsFlush(metrics, async function (this: { prefix: string }, a: string, b: number) {
        recordChat('success');
        return { text: `${this.prefix} ${a}`, n: b };
      }),
    };
    const result = await target.handler('there', 42);
    expect(result).toEqual({ text: 'hi there', n: 42 });
    const points = durationPoints('success');
    expect(points).toHaveLength(1);
    expect(points[0]).toMatchObject({ temporality: 'delta', count: 1 });
  });

  it('has the handler’s length: Deno.serve passes no request to a handler of length 0', () => {
    expect(withMetricsFlush(metrics, () => 1).length).toBe(0);
    expect(withMetricsFlush(metrics, (_request: Request) => 1).length).toBe(1);
    expect(withMetricsFlush(metrics, (_r: Request, _env: object, _ctx: object) => 1).length).toBe(3);
    // A Proxy whose length throws: the wrapper keeps its own, wrapping still works.
    const hostile = new Proxy(() => 1, {
      get(target, key) {
        if (key === 'length') throw new Error('hostile');
        return Reflect.get(target, key);
      },
    });
    expect(withMetricsFlush(metrics, hostile).length).toBe(0);
  });

  it('works with a synchronous handler and with the promise setupMetrics returns', async () => {
    const handler = withMetricsFlush(Promise.resolve(metrics), (x: number) => {
      recordChat('sync');
      return x * 2;
    });
    await expect(handler(21)).resolves.toBe(42);
    expect(durationPoints('sync')).toHaveLength(1);
  });

  it('flushes and rethrows the same error when the handler throws or rejects', async () => {
    const boom = new Error('boom');
    const throwing = withMetricsFlush(metrics, () => {
      recordChat('throws');
      throw boom;
    });
    const rejecting = withMetricsFlush(metrics, async () => {
      recordChat('rejects');
      await new Promise((r) => setTimeout(r, 5));
      throw boom;
    });
    await expect(throwing()).rejects.toBe(boom);
    expect(durationPoints('throws')).toHaveLength(1);
    await expect(rejecting()).rejects.toBe(boom);
    expect(durationPoints('rejects')).toHaveLength(1);
  });

  it('sends each invocation’s own delta, not a running total', async () => {
    const handler = withMetricsFlush(metrics, async () => recordChat('delta'));
    for (let i = 0; i < 3; i++) await handler();
    const points = durationPoints('delta');
    // Cumulative would read 1, 2, 3.
    expect(points.map((p) => [p.temporality, p.count])).toEqual([
      ['delta', 1],
      ['delta', 1],
      ['delta', 1],
    ]);
  });

  it('an export failure (receiver answers 500) never fails a successful invocation', async () => {
    receiver.behaviour = { mode: 'fail' };
    const before = receiver.received;
    const handler = withMetricsFlush(metrics, async () => {
      recordChat('export-fails');
      return 'ok';
    });
    await expect(handler()).resolves.toBe('ok');
    expect(receiver.received).toBeGreaterThan(before);
    expect(durationPoints('export-fails')).toHaveLength(0);
  });

  it('a receiver that is down never fails the invocation either', async () => {
    const down = await OtlpReceiver.start('http');
    const url = down.metricsEndpoint;
    await down.stop();
    const m = await setupMetrics({ serverless: true, otlp: { protocol: 'http/json', url } });
    try {
      const handler = withMetricsFlush(m, async () => 'still ok');
      await expect(handler()).resolves.toBe('still ok');
    } finally {
      await m.shutdown().catch(() => undefined);
    }
  });

  it('bounds the wait: a receiver slower than flushTimeoutMillis does not hold the invocation', async () => {
    // The receiver answers after 60 s; the exporter itself gives up after 1 s (timeoutMillis above);
    // the invocation waits at most 200 ms. It returns before the receiver ever answered.
    receiver.behaviour = { mode: 'slow', delayMs: 60_000 };
    const accepted = receiver.acceptedCount();
    const handler = withMetricsFlush(
      metrics,
      async () => {
        recordChat('slow');
        return 'fast';
      },
      { flushTimeoutMillis: 200 },
    );
    await expect(handler()).resolves.toBe('fast');
    expect(receiver.acceptedCount()).toBe(accepted);
  });

  it('surfaces a setup failure as the invocation’s error (fail fast), without an unhandled rejection', async () => {
    const failed = setupMetrics({ exporter: 'bogus' as never });
    const handler = withMetricsFlush(failed, async () => 'never');
    await expect(handler()).rejects.toThrow(/option 'exporter' is 'bogus'/);
    // A promise of something that is not a handle fails the invocation the same way.
    const notAHandle = withMetricsFlush(Promise.resolve(metrics.genai) as never, async () => 'never');
    await expect(notAHandle()).rejects.toThrow(/needs the handle setupMetrics\(\) returns/);
  });

  it('refuses a handler that is not a function and a bad timeout', () => {
    expect(() => withMetricsFlush(metrics, undefined as never)).toThrow(/needs the handler function/);
    // Not a handle (its GenAiMetrics, nothing, a look-alike): refused at wrap time, not a warning per invocation.
    for (const notAHandle of [metrics.genai, undefined, {}, { forceFlush: 1 }]) {
      expect(() => withMetricsFlush(notAHandle as never, () => 1)).toThrow(
        /needs the handle setupMetrics\(\) returns \(or its promise\)/,
      );
    }
    expect(() => withMetricsFlush(metrics, () => 1, { flushTimeoutMillis: 0 })).toThrow(/flushTimeoutMillis/);
    // Above setTimeout's maximum the timer fires at once: the invocation would not wait for its flush.
    expect(() => withMetricsFlush(metrics, () => 1, { flushTimeoutMillis: 3_000_000_000 })).toThrow(
      /'flushTimeoutMillis' must be a positive number of ms of at most 2147483647/,
    );
  });
});

/**
 * With a Workers-style execution context (`{ waitUntil }`) among the handler's arguments. The real
 * workerd run is in packages/runtime-tests; here: what is handed over, and that odd arguments never
 * break an invocation.
 */
function countFor(model: string): number {
  return durationPoints(model).reduce((a, p) => a + (p.count ?? 0), 0);
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

  it('work the handler hands to waitUntil itself is flushed once it settles, and waitUntil is given back', async () => {
    const ctx = new Context();
    let finish!: () => void;
    const handler = withMetricsFlush(metrics, async (c: Context) => {
      recordChat('ctx-before');
      // The app's own background work: a model call that ends after the response.
      c.waitUntil(new Promise<void>((r) => (finish = r)).then(() => recordChat('ctx-background')));
      return 'ok';
    });
    await expect(handler(ctx)).resolves.toBe('ok');
    // The runtime got the app's promise, then ours: one flush after the app's work, one now.
    expect(ctx.handed).toHaveLength(3);
    await ctx.handed[2];
    expect([countFor('ctx-before'), countFor('ctx-background')]).toEqual([1, 0]);
    finish();
    await ctx.handed[1];
    expect([countFor('ctx-before'), countFor('ctx-background')]).toEqual([1, 1]);
    expect(Object.hasOwn(ctx, 'waitUntil')).toBe(false); // the prototype's method again
  });

  it('a context whose own waitUntil is shadowed gets the same function back; a frozen one is left alone', async () => {
    const handed: Promise<unknown>[] = [];
    const plain = {
      waitUntil(p: Promise<unknown>) {
        handed.push(p);
      },
    };
    const own = plain.waitUntil;
    const frozen = Object.freeze({ waitUntil: own });
    for (const ctx of [plain, frozen]) {
      const handler = withMetricsFlush(metrics, async (c: typeof plain) => {
        c.waitUntil(Promise.resolve());
        return 'ok';
      });
      await expect(handler(ctx)).resolves.toBe('ok');
    }
    await Promise.all(handed);
    expect(plain.waitUntil).toBe(own);
    expect(frozen.waitUntil).toBe(own);
    // plain: the app's promise, the flush after it, the flush now; frozen: no flush after the app's work.
    expect(handed).toHaveLength(5);
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
