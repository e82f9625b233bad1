import { describe, expect, it } from 'vitest';
import { batchSizeOf, validateBatchSizeOption } from '../../src/onnxruntime/batch-size.js';
import {
  modelBaseName,
  readCreateArgs,
  requestedExecutionProviders,
  resolveModelName,
} from '../../src/onnxruntime/model-source.js';

describe('model names never carry a path', () => {
  it('takes the base name without the model extension, for POSIX and Windows paths', () => {
    expect(modelBaseName('/srv/models/e5-small-v2.onnx')).toBe('e5-small-v2');
    expect(modelBaseName('C:\\models\\reranker.ORT')).toBe('reranker');
    expect(modelBaseName('relative/dir/model.int8.onnx')).toBe('model.int8');
    expect(modelBaseName('/srv/models/')).toBeUndefined();
  });

  it('reads the path and the options object from every create() overload', () => {
    const opts = { executionProviders: ['cpu'] };
    expect(readCreateArgs(['/m/a.onnx', opts])).toEqual({ path: '/m/a.onnx', options: opts });
    expect(readCreateArgs([new Uint8Array(4), opts])).toEqual({ options: opts });
    expect(readCreateArgs([new ArrayBuffer(8), 0, 8, opts])).toEqual({ options: opts });
    expect(readCreateArgs([new ArrayBuffer(8)])).toEqual({});
  });

  it('prefers the option, then the callback, then the file name', () => {
    const source = { path: '/m/file-name.onnx' };
    expect(resolveModelName('fixed', source)).toBe('fixed');
    expect(resolveModelName(() => 'computed', source)).toBe('computed');
    expect(resolveModelName(() => '', source)).toBe('file-name');
    expect(resolveModelName(() => undefined, {})).toBeUndefined();
  });
});

describe('requested execution providers', () => {
  it('joins names in order, drops duplicates and malformed entries, defaults to cpu', () => {
    expect(requestedExecutionProviders(undefined)).toBe('cpu');
    expect(requestedExecutionProviders({ executionProviders: [] })).toBe('cpu');
    expect(
      requestedExecutionProviders({ executionProviders: ['cuda', { name: 'cpu' }, 'cuda', { name: '' }] }),
    ).toBe('cuda,cpu');
    expect(requestedExecutionProviders({ executionProviders: [null as never, 42 as never] })).toBe('cpu');
  });
});

describe('batch size', () => {
  const session = { inputNames: ['ids', 'mask'], run: async () => ({}) };
  const t = (dims: number[]) => ({ dims });

  it('is the leading dimension of the first input, or of the named one', () => {
    expect(batchSizeOf('first-input', session, { mask: t([7, 2]), ids: t([3, 5]) })).toBe(3);
    expect(batchSizeOf('mask', session, { mask: t([7, 2]), ids: t([3, 5]) })).toBe(7);
  });

  it('is absent for scalars, vectors, dynamic or missing inputs, and when turned off', () => {
    expect(batchSizeOf('first-input', session, { ids: t([]) })).toBeUndefined();
    expect(batchSizeOf('first-input', session, { ids: t([9]) })).toBeUndefined();
    expect(batchSizeOf('first-input', session, { ids: t([0, 4]) })).toBeUndefined();
    expect(batchSizeOf('first-input', session, {})).toBeUndefined();
    expect(batchSizeOf(false, session, { ids: t([3, 5]) })).toBeUndefined();
  });

  it('rejects options that are none of the documented forms', () => {
    expect(() => validateBatchSizeOption(3)).toThrow(/batchSize/);
    expect(() => validateBatchSizeOption('')).toThrow(/batchSize/);
    expect(validateBatchSizeOption(undefined)).toBe('first-input');
  });
});
