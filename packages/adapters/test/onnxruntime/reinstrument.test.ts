import { matMulAddModel } from '@genai-metrics/testkit/onnx';
import { describe, expect, it } from 'vitest';
import { instrumentOnnxRuntime } from '../../src/onnxruntime/index.js';
import { floats, ort, setup } from './helpers.js';

const RUN = 'llm.inference.run.duration';

describe('instrumentOnnxRuntime undone and called again with other options', () => {
  it('a fixed modelName names every session, also those the previous installation named', async () => {
    const { harness, metrics } = setup();
    let handle = instrumentOnnxRuntime(ort, { metrics, modelName: 'first' });
    try {
      const session = await ort.InferenceSession.create(matMulAddModel());
      handle.uninstrument();
      handle = instrumentOnnxRuntime(ort, { metrics, modelName: 'second' });
      const later = await ort.InferenceSession.create(matMulAddModel());
      await session.run({ X: floats(2) });
      await later.run({ X: floats(2) });
      const m = await harness.collect();
      expect(m.count(RUN, { 'gen_ai.request.model': 'second' })).toBe(2);
      expect(m.count(RUN, { 'gen_ai.request.model': 'first' })).toBe(0);
    } finally {
      handle.uninstrument();
      await harness.shutdown();
    }
  });
});
