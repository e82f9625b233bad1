import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matMulAddModel } from '@genai-metrics/testkit/onnx';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentOnnxRuntime, type OnnxRuntimeInstrumentation } from '../../src/onnxruntime/index.js';
import { floats, ort, proto, setup } from './helpers.js';

const RUN = 'llm.inference.run.duration';
const LOAD = 'llm.model.load.duration';
let dir: string;
let modelPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'genai-metrics-onnx-'));
  modelPath = join(dir, 'matmul-add.onnx');
  writeFileSync(modelPath, matMulAddModel());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let handle: OnnxRuntimeInstrumentation | undefined;
afterEach(() => {
  handle?.uninstrument();
  handle = undefined;
});

describe('instrumentOnnxRuntime: runs on the real CPU runtime', () => {
  it('records load time by file base name (never the path), requested EPs, and every run with its batch size', async () => {
    const { harness, metrics } = setup();
    handle = instrumentOnnxRuntime(ort, { metrics });
    const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
    const batches = [1, 3, 8, 8, 32];
    for (const b of batches) {
      const out = await session.run({ X: floats(b) });
      expect(out.Y!.dims).toEqual([b, 3]); // the app still gets the real result
    }
    const m = await harness.collect();

    const load = m.histogram(LOAD, { 'gen_ai.request.model': 'matmul-add' });
    expect(load.count).toBe(1);
    expect(load.sum).toBeGreaterThan(0);
    const loadPoint = m.points(LOAD)[0]!;
    expect(loadPoint.attributes).toEqual({
      'gen_ai.provider.name': 'onnxruntime',
      'gen_ai.request.model': 'matmul-add',
      'llm.load.stage': 'session',
      'llm.execution_providers': 'cpu',
    });
    expect(JSON.stringify(m.points(LOAD).map((p) => p.attributes))).not.toContain(dir);

    const run = m.histogram(RUN, {
      'gen_ai.operation.name': 'run',
      'gen_ai.request.model': 'matmul-add',
      'llm.execution_providers': 'cpu',
    });
    expect(run.count).toBe(batches.length);
    expect(m.points(RUN)).toHaveLength(1); // no error series

    const batch = m.histogram('llm.batch.size', { 'gen_ai.request.model': 'matmul-add' });
    expect(batch.count).toBe(batches.length);
    expect(batch.sum).toBe(1 + 3 + 8 + 8 + 32);
    expect(batch.max).toBe(32);
    expect(m.sum('llm.requests.active')).toBe(0);
    await harness.shutdown();
  });

  it('records runs of sessions created before instrumentation, named by a fixed modelName', async () => {
    const { harness, metrics } = setup();
    const early = await ort.InferenceSession.create(matMulAddModel());
    handle = instrumentOnnxRuntime(ort, { metrics, modelName: 'early' });
    await early.run({ X: floats(5) });
    await early.run({ X: floats(5) });
    const m = await harness.collect();
    const run = m.histogram(RUN, { 'gen_ai.request.model': 'early' });
    expect(run.count).toBe(2);
    expect(m.points(RUN)[0]!.attributes['llm.execution_providers']).toBeUndefined(); // not known: not guessed
    expect(m.histogram('llm.batch.size', { 'gen_ai.request.model': 'early' }).sum).toBe(10);
    expect(m.count(LOAD)).toBe(0);
    await harness.shutdown();
  });

  it('counts runs in flight while they are queued and back to 0 after', async () => {
    const { harness, metrics } = setup();
    handle = instrumentOnnxRuntime(ort, { metrics, modelName: 'mm' });
    const session = await ort.InferenceSession.create(matMulAddModel());
    const pending = [
      session.run({ X: floats(2) }),
      session.run({ X: floats(2) }),
      session.run({ X: floats(2) }),
    ];
    // run() settles on a later turn (setImmediate), so all three are in flight now.
    expect((await harness.collect()).sum('llm.requests.active', { 'gen_ai.request.model': 'mm' })).toBe(3);
    await Promise.all(pending);
    expect((await harness.collect()).sum('llm.requests.active', { 'gen_ai.request.model': 'mm' })).toBe(0);
    await harness.shutdown();
  });

  it('records failed runs exactly once with error.type, and rethrows the runtime error unchanged', async () => {
    const { harness, metrics } = setup();
    handle = instrumentOnnxRuntime(ort, { metrics, modelName: 'mm' });
    const session = await ort.InferenceSession.create(matMulAddModel());

    const missing = await session.run({}).catch((e: unknown) => e);
    expect(String(missing)).toMatch(/input 'X' is missing/);
    const wrongType = await session
      .run({ X: new ort.Tensor('int64', new BigInt64Array(8), [2, 4]) })
      .catch((e: unknown) => e);
    expect(String(wrongType)).toMatch(/Unexpected input data type/);
    const notAnObject = await session.run(null as never).catch((e: unknown) => e);
    expect(notAnObject).toBeInstanceOf(TypeError); // onnxruntime-common's own argument check
    await session.run({ X: floats(2) });

    const m = await harness.collect();
    expect(m.histogram(RUN, { 'error.type': 'invalid_request' }).count).toBe(3);
    expect(m.count(RUN)).toBe(4);
    expect(m.points(RUN).filter((p) => p.attributes['error.type'] === undefined)).toHaveLength(1);
    // the wrong-dtype run still had a batch; the empty feeds had none
    expect(m.histogram('llm.batch.size').count).toBe(2);
    expect(m.sum('llm.requests.active')).toBe(0);
    await harness.shutdown();
  });

  it('records a run fed a tensor of the wrong rank as invalid_request, like one of the wrong shape', async () => {
    const { harness, metrics } = setup();
    handle = instrumentOnnxRuntime(ort, { metrics, modelName: 'mm' });
    const session = await ort.InferenceSession.create(matMulAddModel());
    const rank = await session
      .run({ X: new ort.Tensor('float32', new Float32Array(4).fill(1), [4]) })
      .catch((e: unknown) => e);
    expect(String(rank)).toMatch(/Invalid rank for input/);
    const shape = await session.run({ X: floats(2, 5) }).catch((e: unknown) => e);
    expect(String(shape)).toMatch(/invalid dimensions/);
    const m = await harness.collect();
    expect(m.histogram(RUN, { 'error.type': 'invalid_request' }).count).toBe(2);
    expect(m.count(RUN)).toBe(2);
    await harness.shutdown();
  });

  it('records a failed create with error.type and still names the model by base name', async () => {
    const { harness, metrics } = setup();
    handle = instrumentOnnxRuntime(ort, { metrics });
    await expect(ort.InferenceSession.create(join(dir, 'absent.onnx'))).rejects.toThrow(/absent\.onnx/);
    await expect(ort.InferenceSession.create(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow();
    const m = await harness.collect();
    expect(m.histogram(LOAD, { 'gen_ai.request.model': 'absent', 'error.type': '_OTHER' }).count).toBe(1);
    const fromBytes = m.points(LOAD).filter((p) => p.attributes['gen_ai.request.model'] === undefined);
    expect(fromBytes).toHaveLength(1);
    expect(fromBytes[0]!.attributes['error.type']).toBe('_OTHER');
    await harness.shutdown();
  });

  it('records a create whose options cannot be read, once, failed, with no execution providers guessed', async () => {
    const { harness, metrics } = setup();
    handle = instrumentOnnxRuntime(ort, { metrics, modelName: 'mm' });
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    const hostile = [
      revoked,
      Object.defineProperty({}, 'executionProviders', {
        enumerable: true,
        get() {
          throw new Error('executionProviders getter');
        },
      }),
      { executionProviders: [Object.defineProperty({}, 'name', { get: () => Number.NaN.toFixed(-1) })] },
    ];
    for (const options of hostile) {
      // The runtime reads them too, and rejects: the app gets its error unchanged.
      const rejected = await ort.InferenceSession.create(matMulAddModel(), options as never).catch(
        (e: unknown) => e,
      );
      expect(rejected).toBeInstanceOf(Error);
    }
    const m = await harness.collect();
    const loads = m.points(LOAD, { 'gen_ai.request.model': 'mm' });
    expect(loads.reduce((n, p) => n + (p.value as { count: number }).count, 0)).toBe(3);
    for (const p of loads) {
      expect(p.attributes['error.type']).toBeTypeOf('string');
      expect(p.attributes['llm.execution_providers']).toBeUndefined();
    }
    await harness.shutdown();
  });

  it('records the requested execution providers even when the runtime cannot load them', async () => {
    const { harness, metrics } = setup();
    handle = instrumentOnnxRuntime(ort, { metrics, modelName: 'mm' });
    // Without its downloaded CUDA files (our install skips them) onnxruntime-node rejects this create;
    // where they exist it succeeds. Either way the load is recorded once, with what was asked for.
    const outcome = await ort.InferenceSession.create(matMulAddModel(), {
      executionProviders: ['cuda', 'cpu'],
    }).then(
      async (s) => {
        await s.release();
        return undefined;
      },
      (error: unknown) => error,
    );
    const m = await harness.collect();
    const points = m.points(LOAD, { 'llm.execution_providers': 'cuda,cpu' });
    expect(points).toHaveLength(1);
    expect(points[0]!.attributes['error.type']).toBe(outcome === undefined ? undefined : '_OTHER');
    await harness.shutdown();
  });

  it('names sessions with a modelName function and reads batch size from a named input or a function', async () => {
    const { harness, metrics } = setup();
    handle = instrumentOnnxRuntime(ort, {
      metrics,
      modelName: (source) => (source.options as { logId?: string } | undefined)?.logId,
      batchSize: (feeds) => (feeds.X as ort.Tensor).dims[0]! * 10,
    });
    const session = await ort.InferenceSession.create(matMulAddModel(), {
      logId: 'named-by-fn',
      executionProviders: [{ name: 'cpu' }],
    } as ort.InferenceSession.SessionOptions);
    await session.run({ X: floats(2) });
    const m = await harness.collect();
    expect(m.histogram(LOAD, { 'gen_ai.request.model': 'named-by-fn' }).count).toBe(1);
    expect(m.histogram('llm.batch.size', { 'gen_ai.request.model': 'named-by-fn' }).sum).toBe(20);
    await harness.shutdown();
  });

  it('uninstrument() restores the originals; a second call changes nothing and returns the same handle', async () => {
    const originalCreate = ort.InferenceSession.create;
    const originalRun = proto().run;
    const { harness, metrics } = setup();
    handle = instrumentOnnxRuntime(ort, { metrics, modelName: 'first' });
    const wrappedRun = proto().run;
    // Different options: a warning says the first call's stay in force.
    expect(instrumentOnnxRuntime(ort, { metrics, modelName: 'second' })).toBe(handle);
    expect(proto().run).toBe(wrappedRun); // not wrapped twice
    const session = await ort.InferenceSession.create(matMulAddModel());
    await session.run({ X: floats(4) });
    await session.run({ X: floats(4) });
    let m = await harness.collect();
    expect(m.count(RUN)).toBe(2);
    expect(m.count(LOAD)).toBe(1);
    expect(m.histogram(RUN).count).toBe(2);
    expect(m.points(LOAD)[0]!.attributes['gen_ai.request.model']).toBe('first');

    handle.uninstrument();
    handle.uninstrument(); // idempotent
    expect(ort.InferenceSession.create).toBe(originalCreate);
    expect(proto().run).toBe(originalRun);
    const after = await ort.InferenceSession.create(matMulAddModel());
    await after.run({ X: floats(4) });
    await session.run({ X: floats(4) });
    m = await harness.collect();
    expect(m.count(RUN)).toBe(2);
    expect(m.count(LOAD)).toBe(1);
    await harness.shutdown();
  });

  it('fails fast on bad options with a message saying what to change, patching nothing', () => {
    const { metrics } = setup();
    const originalRun = proto().run;
    expect(() => instrumentOnnxRuntime({} as never, { metrics })).toThrow(/onnxruntime-node module/);
    expect(() => instrumentOnnxRuntime(ort, {} as never)).toThrow(/createGenAiMetrics/);
    expect(() => instrumentOnnxRuntime(ort, { metrics, batchSize: 3 as never })).toThrow(/batchSize/);
    expect(() => instrumentOnnxRuntime(ort, { metrics, inputTokens: () => 1 })).toThrow(/needs 'operation'/);
    expect(proto().run).toBe(originalRun);
  });
});

describe('instrumentOnnxRuntime: never hurts the app', () => {
  it('survives throwing callbacks and counts malformed token counts instead of recording them', async () => {
    const { harness, metrics } = setup();
    handle = instrumentOnnxRuntime(ort, {
      metrics,
      modelName: () => {
        throw new Error('naming failed');
      },
      batchSize: () => {
        throw new Error('batch failed');
      },
      operation: 'embeddings',
      inputTokens: () => -1,
    });
    const session = await ort.InferenceSession.create(modelPath);
    const out = await session.run({ X: floats(2) });
    expect(out.Y!.dims).toEqual([2, 3]);
    const m = await harness.collect();
    expect(m.histogram(LOAD, { 'gen_ai.request.model': 'matmul-add' }).count).toBe(1); // fell back to the file name
    expect(m.points('llm.batch.size')).toHaveLength(0);
    expect(m.sum('llm.usage.invalid', { 'llm.usage.field': 'inputTokens' })).toBe(1);
    expect(m.histogram(RUN, { 'gen_ai.operation.name': 'embeddings' }).count).toBe(1);
    await harness.shutdown();
  });
});

describe('instrumentOnnxRuntime: a batchSize function that returns no count', () => {
  it('a mean, an overflowed parse or a negative is skipped and counted; a BigInt is its count', async () => {
    const sizes: unknown[] = [2.5, 1e300, -3, 4n, 2];
    const { harness, metrics } = setup();
    handle = instrumentOnnxRuntime(ort, { metrics, batchSize: () => sizes.shift() as number });
    const session = await ort.InferenceSession.create(matMulAddModel());
    for (let i = 0; i < 5; i++) await session.run({ X: floats(2) });
    const m = await harness.collect();
    // Only 4n and 2 are batch sizes: a histogram of items, not of 2.5 or 1e300 items.
    expect(m.histogram('llm.batch.size').count).toBe(2);
    expect(m.histogram('llm.batch.size').sum).toBe(6);
    expect(m.sum('llm.input.sanitized', { 'llm.input.field': 'value' })).toBe(3);
    expect(m.histogram(RUN).count).toBe(5);
    await harness.shutdown();
  });
});

describe('instrumentOnnxRuntime: whatever run() returns', () => {
  // then is read once and called once, whatever the value: the very value back, one record, and a
  // then that throws or cannot be read never leaves the run counted in flight.
  const cases: Array<[string, () => unknown, 'ok' | 'failed']> = [
    ['a native promise', () => Promise.resolve('out'), 'ok'],
    ['a rejected native promise', () => Promise.reject(new Error('boom')), 'failed'],
    [
      'a Promise subclass',
      () => {
        class Sub<T> extends Promise<T> {}
        return Sub.resolve('out');
      },
      'ok',
    ],
    [
      'a promise whose own then throws',
      () =>
        Object.defineProperty(Promise.resolve('out'), 'then', {
          value: () => {
            throw new Error('then broke');
          },
        }),
      'failed',
    ],
    [
      'a revoked Proxy (reading then throws)',
      () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      },
      'ok',
    ],
    [
      'a Proxy claiming Promise.prototype, without then',
      () => new Proxy({}, { getPrototypeOf: () => Promise.prototype }),
      'ok',
    ],
    ['a plain value', () => ({ Y: 1 }), 'ok'],
  ];

  it.each(cases)('%s: the same value back, recorded once', async (_name, make, outcome) => {
    const { harness, metrics } = setup();
    let returned: unknown;
    class InferenceSession {
      static async create() {
        return new InferenceSession();
      }
      readonly inputNames = ['X'];
      run(_feeds: unknown): unknown {
        returned = make();
        return returned;
      }
    }
    handle = instrumentOnnxRuntime({ InferenceSession } as never, { metrics, modelName: 'fake' });
    const result = new InferenceSession().run({ X: floats(2) });
    expect(result).toBe(returned);
    await Promise.resolve()
      .then(() => result)
      .catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    const m = await harness.collect();
    expect(m.count(RUN)).toBe(1);
    expect(m.points(RUN).filter((p) => p.attributes['error.type'] !== undefined)).toHaveLength(
      outcome === 'failed' ? 1 : 0,
    );
    expect(m.histogram('llm.batch.size').count).toBe(1);
    expect(m.sum('llm.requests.active')).toBe(0);
    await harness.shutdown();
  });
});
