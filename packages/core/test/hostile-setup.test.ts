import { MetricsHarness } from '@genai-metrics/testkit';
import { Hostile, hostile, materialise, optionsOr, validOr } from '@genai-metrics/testkit/hostile';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  boundariesFor,
  buckets,
  ChunkAggregator,
  createGenAiMetrics,
  ERROR_TYPES,
  errorTypeOf,
  genAiViews,
  resolveSemconvMode,
  setupMetrics,
  validateBoundaries,
  withMetricsFlush,
} from '../src/index.js';

/**
 * Setup calls may refuse what they are given — that is how a wrong option fails at setup — but only
 * with a TypeError or RangeError whose message is ours and says what to change: never an error from
 * deep inside (a Symbol converted to a string, a Proxy trap, `in` on a primitive).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const OURS = /^(genai-metrics|exponential\(\)|oneTwoFive\(\)|linear\(\))/;

function expectOwnError(error: unknown): void {
  expect(error instanceof TypeError || error instanceof RangeError, String(error)).toBe(true);
  expect((error as Error).message).toMatch(OURS);
}

/** Calls `fn`; a throw must be one of ours. Returns the result when it did not throw. */
function setupCall<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    expectOwnError(error);
    return undefined;
  }
}

const viewsOptions = optionsOr({
  preset: validOr(fc.constantFrom('semconv', 'vllm', 'seed')),
  contextLength: validOr(fc.integer({ min: 1, max: 1 << 20 })),
  buckets: validOr(fc.constant({ 'gen_ai.client.operation.duration': [0.1, 1, 10] })),
  attributes: validOr(fc.constant(['gen_ai.operation.name'])),
  cardinalityLimit: validOr(fc.integer({ min: 1, max: 5000 })),
});

function isPlainObject(value: unknown): value is Record<string, unknown> {
  try {
    return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
  } catch {
    return false; // a Proxy
  }
}

const harnesses: MetricsHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.shutdown()));
});

describe('hostile input: setup', () => {
  it('genAiViews, boundariesFor and ChunkAggregator accept or refuse with a clear error', () => {
    fc.assert(
      fc.property(viewsOptions, hostile(), (given, name) => {
        const views = materialise(given);
        setupCall(() => genAiViews(views as never));
        setupCall(() => boundariesFor(materialise(name) as never, views as never));
        setupCall(() => boundariesFor('gen_ai.client.operation.duration', views as never));
        setupCall(
          () => new ChunkAggregator({ views: views as never, temporality: materialise(name) as never }),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('createGenAiMetrics accepts or refuses with a clear error, and what it accepts records', () => {
    fc.assert(
      fc.property(
        optionsOr({
          semconv: validOr(fc.constantFrom('v1.41', 'latest', 'both')),
          prices: validOr(fc.constant({ 'gpt-4o': { input: 1, output: 2 } })),
          currency: validOr(fc.constantFrom('USD', 'EUR')),
          normalizeModel: validOr(fc.constant((m: string) => m.toLowerCase())),
          views: viewsOptions,
          attributeValueLengthLimit: validOr(fc.integer({ min: 32, max: 1024 })),
          meter: fc.oneof(fc.constant(undefined), hostile()),
        }),
        (given) => {
          const h = new MetricsHarness();
          harnesses.push(h);
          const options = materialise(given) as Record<string, unknown>;
          // A plain options object gets the harness's provider (unless the case gives a meter).
          const plain = !(given instanceof Hostile) && isPlainObject(options);
          const genai = setupCall(() =>
            createGenAiMetrics(
              plain
                ? { meterProvider: options.meter === undefined ? h.meterProvider : undefined, ...options }
                : (options as never),
            ),
          );
          genai?.startOperation({ operation: 'chat', provider: 'p', requestModel: 'gpt-4o' }).end();
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('setupMetrics resolves or rejects with a clear error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          exporter: fc.oneof(fc.constant('none'), hostile()),
          serviceName: validOr(fc.constant('svc')),
          resourceAttributes: validOr(fc.dictionary(fc.string(), validOr(fc.string()))),
          views: viewsOptions,
          semconv: validOr(fc.constant('both')),
          exportIntervalMillis: validOr(fc.integer({ min: 1000, max: 60_000 })),
          exportTimeoutMillis: validOr(fc.integer({ min: 1, max: 1000 })),
          prometheus: optionsOr({
            host: hostile(),
            port: hostile(),
            auth: hostile(),
            server: fc.constant(false),
          }),
          otlp: optionsOr({
            protocol: hostile(),
            url: hostile(),
            headers: hostile(),
            timeoutMillis: hostile(),
          }),
          serverless: validOr(fc.boolean()),
          attributeValueLengthLimit: validOr(fc.integer({ min: 32, max: 64 })),
        }),
        async (given) => {
          const options = materialise(given) as Record<string, unknown>;
          // Never bind a real port or push anywhere: only 'none' may resolve.
          if (options.exporter !== 'none' && typeof options.exporter === 'string') return;
          let handle: Awaited<ReturnType<typeof setupMetrics>> | undefined;
          try {
            handle = await setupMetrics(options as never);
          } catch (error) {
            expectOwnError(error);
          }
          if (handle) {
            handle.genai.startOperation({ operation: 'chat', provider: 'p' }).end();
            await handle.shutdown();
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('withMetricsFlush wraps or refuses clearly, and a hostile handle never fails the invocation', async () => {
    await fc.assert(
      fc.asyncProperty(hostile(), hostile(), async (handle, timeout) => {
        const wrapped = setupCall(() =>
          withMetricsFlush(materialise(handle) as never, async () => 'result', {
            flushTimeoutMillis: materialise(timeout) as never,
          }),
        );
        setupCall(() =>
          withMetricsFlush({ forceFlush: async () => undefined }, materialise(handle) as never),
        );
        if (wrapped) {
          // A handle that is not a handle: the invocation still returns its own result, or the setup
          // failure (a rejected handle promise) as its error.
          await wrapped().then(
            (r) => expect(r).toBe('result'),
            () => undefined,
          );
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('bucket builders, validateBoundaries and resolveSemconvMode refuse clearly', () => {
    fc.assert(
      fc.property(hostile(), hostile(), hostile(), (a, b, c) => {
        const [x, y, z] = [materialise(a), materialise(b), materialise(c)] as number[];
        setupCall(() => buckets.exponential(x!, y!, typeof z === 'number' ? Math.min(z, 100) : z!));
        setupCall(() => buckets.linear(x!, y!, 5));
        setupCall(() => buckets.oneTwoFive(typeof x === 'number' ? Math.min(x, 1e9) : x!, y!));
        setupCall(() => validateBoundaries('m', x));
        setupCall(() => validateBoundaries('m', [x, y, z]));
        setupCall(() => resolveSemconvMode(x as never, {}));
        setupCall(() => buckets.preset(x as never, y));
      }),
      { numRuns: RUNS },
    );
  });

  it('errorTypeOf never throws and always answers one of the error types', () => {
    fc.assert(
      fc.property(hostile(), (e) => {
        expect(ERROR_TYPES).toContain(errorTypeOf(materialise(e)));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('observe accepts a gauge and a function, and refuses anything else clearly', () => {
    const h = new MetricsHarness();
    harnesses.push(h);
    const genai = createGenAiMetrics({ meterProvider: h.meterProvider });
    fc.assert(
      fc.property(
        validOr(fc.constantFrom('llm.context.utilization', 'llm.batch.size')),
        hostile(),
        (n, s) => {
          const remove = setupCall(() => genai.observe(materialise(n) as string, materialise(s) as never));
          remove?.();
        },
      ),
      { numRuns: RUNS },
    );
  });
});
