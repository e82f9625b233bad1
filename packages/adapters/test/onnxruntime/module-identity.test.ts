import { createRequire } from 'node:module';
import { matMulAddModel } from '@genai-metrics/testkit/onnx';
import { describe, expect, it } from 'vitest';
import { instrumentOnnxRuntime } from '../../src/onnxruntime/index.js';
import { floats, ort, setup } from './helpers.js';

const require = createRequire(import.meta.url);

describe('which InferenceSession gets patched', () => {
  it("patching the ESM namespace of onnxruntime-node also covers require('onnxruntime-node'): one class", async () => {
    const { harness, metrics } = setup();
    const handle = instrumentOnnxRuntime(ort, { metrics, modelName: 'mm' });
    try {
      const cjs = require('onnxruntime-node') as typeof ort;
      const session = await cjs.InferenceSession.create(matMulAddModel());
      await session.run({ X: floats(2) });
      const m = await harness.collect();
      expect(m.histogram('llm.model.load.duration', { 'gen_ai.request.model': 'mm' }).count).toBe(1);
      expect(m.histogram('llm.inference.run.duration', { 'gen_ai.request.model': 'mm' }).count).toBe(1);
    } finally {
      handle.uninstrument();
      await harness.shutdown();
    }
  });

  it("onnxruntime-common's ESM build is a different class from the one onnxruntime-node uses", async () => {
    // Why the adapter takes the onnxruntime-node module: patching `import 'onnxruntime-common'` would
    // patch a class no onnxruntime-node session is an instance of.
    const fromNode = createRequire(require.resolve('onnxruntime-node'));
    const cjsPath = fromNode.resolve('onnxruntime-common');
    const esm = (await import(cjsPath.replace(/cjs[\\/]index\.js$/, 'esm/index.js'))) as typeof ort;
    expect(fromNode('onnxruntime-common').InferenceSession).toBe(ort.InferenceSession);
    expect(esm.InferenceSession).not.toBe(ort.InferenceSession);
  });
});
