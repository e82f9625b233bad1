import { boundariesFor } from '@genai-metrics/core';
import { bucketIndex } from '@genai-metrics/testkit';
import { matMulAddModel, paddedRows, toyRerankerModel } from '@genai-metrics/testkit/onnx';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { maskShape } from '../../src/onnxruntime/attention-mask.js';
import { instrumentOnnxRuntime, type OnnxRuntimeInstrumentation } from '../../src/onnxruntime/index.js';
import { ort, setup } from './helpers.js';

const LENGTH = 'llm.sequence.length';
const PADDING = 'llm.batch.padding.ratio';

let handle: OnnxRuntimeInstrumentation | undefined;
afterEach(() => {
  handle?.uninstrument();
  handle = undefined;
});

/** Right-padded int64 feeds for rows of the given lengths (see paddedRows), the mask under `maskName`. */
function feeds(lengths: number[], maskName = 'attention_mask'): Record<string, ort.Tensor> {
  const { ids, mask, dims } = paddedRows(lengths);
  return {
    input_ids: new ort.Tensor('int64', ids, dims),
    [maskName]: new ort.Tensor('int64', mask, dims),
  };
}

function paddingOf(lengths: number[]): number {
  const all = lengths.length * Math.max(...lengths);
  return (all - lengths.reduce((a, b) => a + b, 0)) / all;
}

describe('onnxruntime attention mask: sequence lengths and padding with no caller work', () => {
  it('records every row length and each batch padding ratio from real runs', async () => {
    const { harness, metrics } = setup();
    handle = instrumentOnnxRuntime(ort, { metrics, modelName: 'toy-reranker' });
    const session = await ort.InferenceSession.create(toyRerankerModel(), { intraOpNumThreads: 1 });
    const batches = [[5], [4, 9, 9, 2], [17, 3], [1, 1, 1], [40, 1, 1, 1, 1, 1, 1, 1]];
    for (const lengths of batches) {
      const out = await session.run(feeds(lengths));
      expect(out.scores!.dims).toEqual([lengths.length, 1]);
    }
    const m = await harness.collect();
    const rows = batches.flat();
    const attrs = { 'gen_ai.operation.name': 'run', 'gen_ai.provider.name': 'onnxruntime' };
    const length = m.histogram(LENGTH, { ...attrs, 'llm.sequence.role': 'input' });
    expect(length.count).toBe(rows.length);
    expect(length.sum).toBe(rows.reduce((a, b) => a + b, 0));
    expect(length.min).toBe(1);
    expect(length.max).toBe(40);
    const expectedCounts = new Array(length.boundaries.length + 1).fill(0);
    for (const r of rows) expectedCounts[bucketIndex(length.boundaries, r)]++;
    expect(length.counts).toEqual(expectedCounts);
    expect(length.boundaries).toEqual([...boundariesFor(LENGTH)]);
    expect(m.points(LENGTH)[0]!.attributes).toEqual({
      ...attrs,
      'gen_ai.request.model': 'toy-reranker',
      'llm.sequence.role': 'input',
    });

    const padding = m.histogram(PADDING, attrs);
    const ratios = batches.map(paddingOf);
    expect(padding.count).toBe(batches.length);
    expect(padding.sum).toBeCloseTo(
      ratios.reduce((a, b) => a + b, 0),
      12,
    );
    expect(padding.min).toBe(0);
    expect(padding.max).toBeCloseTo(Math.max(...ratios), 12);
    const expectedPadding = new Array(padding.boundaries.length + 1).fill(0);
    for (const r of ratios) expectedPadding[bucketIndex(padding.boundaries, r)]++;
    expect(padding.counts).toEqual(expectedPadding);
    expect(m.points(PADDING)[0]!.attributes).toEqual({ ...attrs, 'gen_ai.request.model': 'toy-reranker' });
  });

  it('padding does not change what the app gets: scores equal with and without instrumentation', async () => {
    const { metrics } = setup();
    const session = await ort.InferenceSession.create(toyRerankerModel(), { intraOpNumThreads: 1 });
    const f = feeds([3, 8, 5]);
    const bare = (await session.run(f)).scores!.data as Float32Array;
    handle = instrumentOnnxRuntime(ort, { metrics });
    const instrumented = (await session.run(f)).scores!.data as Float32Array;
    expect(Array.from(instrumented)).toEqual(Array.from(bare));
    // The model ignores masked positions: a row alone scores what it scores padded in a batch.
    const alone = (await session.run(feeds([8]))).scores!.data as Float32Array;
    expect(alone[0]).toBeCloseTo(bare[1]!, 5);
  });

  it('reads the mask feed by the name given, and records nothing with attentionMask: false', async () => {
    const { harness, metrics } = setup();
    handle = instrumentOnnxRuntime(ort, { metrics, attentionMask: 'mask' });
    const session = await ort.InferenceSession.create(toyRerankerModel({ maskName: 'mask' }));
    await session.run(feeds([2, 6], 'mask'));
    let m = await harness.collect();
    expect(m.histogram(LENGTH).sum).toBe(8);
    expect(m.histogram(PADDING).sum).toBeCloseTo(4 / 12, 12);

    handle.uninstrument();
    const off = setup();
    handle = instrumentOnnxRuntime(ort, { metrics: off.metrics, attentionMask: false });
    await session.run(feeds([2, 6], 'mask'));
    m = await off.harness.collect();
    expect(m.points(LENGTH)).toHaveLength(0);
    expect(m.points(PADDING)).toHaveLength(0);
    expect(m.count('llm.inference.run.duration')).toBe(1);
  });

  it('rejects a bad attentionMask option at setup', () => {
    const { metrics } = setup();
    for (const bad of ['', 3, true, null]) {
      expect(() => instrumentOnnxRuntime(ort, { metrics, attentionMask: bad as never })).toThrow(
        /'attentionMask' must be the name of the mask input/,
      );
    }
  });
});

describe('maskShape', () => {
  const types = ['int64', 'int32', 'bool', 'uint8', 'int8', 'float32', 'float16'] as const;

  function tensorOf(type: (typeof types)[number], bits: number[], dims: number[]): ort.Tensor {
    switch (type) {
      case 'int64':
        return new ort.Tensor(
          'int64',
          BigInt64Array.from(bits, (b) => (b ? 1n : 0n)),
          dims,
        );
      case 'int32':
        return new ort.Tensor('int32', Int32Array.from(bits), dims);
      case 'bool':
        return new ort.Tensor('bool', Uint8Array.from(bits), dims);
      case 'uint8':
        return new ort.Tensor('uint8', Uint8Array.from(bits), dims);
      case 'int8':
        return new ort.Tensor('int8', Int8Array.from(bits), dims);
      case 'float32':
        return new ort.Tensor('float32', Float32Array.from(bits), dims);
      case 'float16':
        // 1.0 is 0x3c00; a zero is written as -0 (0x8000) half the time.
        return new ort.Tensor(
          'float16',
          Uint16Array.from(bits, (b, i) => (b ? 0x3c00 : i % 2 ? 0x8000 : 0)),
          dims,
        );
    }
  }

  it('counts the kept positions of each row for every mask dtype and layout (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.infiniteStream(fc.boolean()),
        (type, batch, seq, extended, stream) => {
          const bits: number[] = Array.from({ length: batch * seq }, () => (stream.next().value ? 1 : 0));
          const dims = extended ? [batch, 1, 1, seq] : [batch, seq];
          const shape = maskShape(tensorOf(type, bits, dims));
          expect(shape).toBeDefined();
          expect(shape!.positions).toBe(batch * seq);
          for (let row = 0; row < batch; row++) {
            const kept = bits.slice(row * seq, (row + 1) * seq).reduce((a, b) => a + b, 0);
            expect(shape!.lengths[row]).toBe(kept);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('an int64 mask value with only its high word set still counts as kept', () => {
    const data = BigInt64Array.from([1n << 40n, 0n, -1n, 0n]);
    expect(Array.from(maskShape(new ort.Tensor('int64', data, [2, 2]))!.lengths)).toEqual([1, 1]);
  });

  it('skips what is not a usable mask: wrong rank, mismatched data, GPU data, hostile objects', () => {
    const gpu = {
      dims: [1, 2],
      type: 'int64',
      get data(): never {
        throw new Error('The data is not on CPU');
      },
    };
    const proxy = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    for (const bad of [
      undefined,
      null,
      5,
      'mask',
      Symbol('m'),
      10n,
      new ort.Tensor('int64', new BigInt64Array(3), [3]),
      { dims: [2, 3], data: new Int32Array(5) },
      { dims: [2, 2, 3], data: new Int32Array(12) },
      { dims: [0, 3], data: new Int32Array(0) },
      { dims: [2, -1], data: new Int32Array(2) },
      { dims: [1, 2], data: [1, 1] },
      { dims: [1, 2], data: new DataView(new ArrayBuffer(2)) },
      gpu,
      proxy,
    ]) {
      expect(maskShape(bad)).toBeUndefined();
    }
  });

  it('a malformed mask feed in a real run is skipped, the run itself recorded as usual', async () => {
    const { harness, metrics } = setup();
    handle = instrumentOnnxRuntime(ort, { metrics });
    const session = await ort.InferenceSession.create(toyRerankerModel());
    const f = feeds([2, 3]);
    const hostileFeeds = { ...f, attention_mask: { dims: [2, 3], data: 'nope' } };
    await expect(session.run(hostileFeeds as never)).rejects.toThrow();
    await session.run(f);
    const m = await harness.collect();
    expect(m.histogram(LENGTH).count).toBe(2);
    expect(m.histogram(PADDING).count).toBe(1);
    expect(m.count('llm.inference.run.duration')).toBe(2);
  });

  it('a mask feed that throws when read is reported once, not once per run', async () => {
    const errors: unknown[] = [];
    diag.setLogger(
      { error: (...a) => errors.push(a), warn() {}, info() {}, debug() {}, verbose() {} },
      DiagLogLevel.ERROR,
    );
    try {
      const { harness, metrics } = setup();
      handle = instrumentOnnxRuntime(ort, { metrics });
      const session = await ort.InferenceSession.create(matMulAddModel());
      // The runtime reads X only; the instrumentation's read of the mask is what throws.
      const hostile = new Proxy(
        { X: new ort.Tensor('float32', new Float32Array(8), [2, 4]) },
        {
          get: (target, key) => {
            if (key === 'attention_mask') throw new Error('a getter of the app');
            return Reflect.get(target, key);
          },
        },
      );
      for (let i = 0; i < 5; i++) await session.run(hostile);
      const m = await harness.collect();
      expect(m.count('llm.inference.run.duration')).toBe(5);
      expect(m.points(LENGTH)).toHaveLength(0);
      expect(errors.length).toBeLessThanOrEqual(1);
    } finally {
      diag.disable();
    }
  });
});
