import { toyLanguageModel } from '@genai-metrics/testkit/onnx';
import { afterEach, describe, expect, it } from 'vitest';
import {
  instrumentOnnxRuntime,
  type OnnxRuntimeInstrumentation,
  trackGeneration,
} from '../../src/onnxruntime/index.js';
import { argmaxLast, ort, setup } from './helpers.js';

const VOCAB = 16;

/** The greedy decode loop an app writes by hand, with the two tracking lines it needs. */
async function greedy(
  session: ort.InferenceSession,
  prompt: number[],
  maxNewTokens: number,
  gen: ReturnType<typeof trackGeneration>,
): Promise<number[]> {
  const ids = prompt.map(BigInt);
  for (let i = 0; i < maxNewTokens; i++) {
    const input = new ort.Tensor('int64', BigInt64Array.from(ids), [1, ids.length]);
    const { logits } = await session.run({ input_ids: input });
    ids.push(BigInt(argmaxLast(logits!, VOCAB)));
    gen.token();
  }
  gen.end({ inputTokens: prompt.length });
  return ids.map(Number);
}

let handle: OnnxRuntimeInstrumentation | undefined;
afterEach(() => {
  handle?.uninstrument();
  handle = undefined;
});

describe('trackGeneration with a toy next-token LM (Gather → MatMul) on the real CPU runtime', () => {
  it('records server TTFT, time per output token, token usage and request duration once per request', async () => {
    const { harness, metrics } = setup();
    handle = instrumentOnnxRuntime(ort, { metrics, modelName: 'toy-lm' });
    const session = await ort.InferenceSession.create(toyLanguageModel(VOCAB));

    const first = await greedy(session, [3, 4], 6, trackGeneration({ metrics, model: 'toy-lm' }));
    expect(first).toEqual([3, 4, 5, 6, 7, 8, 9, 10]); // the model really ran: shift-by-one greedy decode
    await greedy(session, [15], 3, trackGeneration({ metrics, model: 'toy-lm' }));

    const m = await harness.collect();
    const attrs = { 'gen_ai.operation.name': 'text_completion', 'gen_ai.request.model': 'toy-lm' };
    expect(m.histogram('gen_ai.server.request.duration', attrs).count).toBe(2);
    expect(m.histogram('gen_ai.server.time_to_first_token', attrs).count).toBe(2);
    // one gap per token after the first: (6 - 1) + (3 - 1)
    expect(m.histogram('gen_ai.server.time_per_output_token', attrs).count).toBe(7);
    expect(m.histogram('gen_ai.client.operation.duration', attrs).count).toBe(2);
    const output = m.histogram('gen_ai.client.token.usage', { ...attrs, 'gen_ai.token.type': 'output' });
    expect(output.count).toBe(2);
    expect(output.sum).toBe(9);
    expect(m.histogram('gen_ai.client.token.usage', { ...attrs, 'gen_ai.token.type': 'input' }).sum).toBe(3);
    // every forward pass is a run too: 6 + 3 runs, batch 1 each
    expect(m.histogram('llm.inference.run.duration', { 'gen_ai.request.model': 'toy-lm' }).count).toBe(9);
    expect(m.histogram('llm.batch.size', { 'gen_ai.request.model': 'toy-lm' }).sum).toBe(9);
    expect(m.sum('llm.requests.active')).toBe(0);
    await harness.shutdown();
  });

  it('records a failed generation once with error.type and the tokens produced so far', async () => {
    const { harness, metrics } = setup();
    const session = await ort.InferenceSession.create(toyLanguageModel(VOCAB));
    const gen = trackGeneration({ metrics, model: 'toy-lm' });
    const ok = await session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from([1n]), [1, 1]) });
    expect(argmaxLast(ok.logits!, VOCAB)).toBe(2);
    gen.token();
    const error = await session
      .run({ input_ids: new ort.Tensor('float32', new Float32Array([1]), [1, 1]) })
      .catch((e: unknown) => e);
    gen.fail(error);
    gen.fail(error);
    gen.end();
    gen.token();
    const m = await harness.collect();
    const d = m.histogram('gen_ai.server.request.duration', { 'error.type': 'invalid_request' });
    expect(d.count).toBe(1);
    expect(m.count('gen_ai.server.request.duration')).toBe(1);
    expect(m.histogram('gen_ai.client.token.usage', { 'gen_ai.token.type': 'output' }).sum).toBe(1);
    expect(m.sum('llm.requests.active')).toBe(0);
    await harness.shutdown();
  });

  it('records embedding runs as the embeddings operation with the input tokens the caller computes', async () => {
    const { harness, metrics } = setup('latest');
    handle = instrumentOnnxRuntime(ort, {
      metrics,
      modelName: 'toy-embed',
      operation: 'embeddings',
      inputTokens: (feeds) => (feeds.input_ids as ort.Tensor).dims.reduce((a, b) => a * b, 1),
    });
    const session = await ort.InferenceSession.create(toyLanguageModel(VOCAB));
    await session.run({ input_ids: new ort.Tensor('int64', new BigInt64Array(2 * 5), [2, 5]) });
    await session.run({ input_ids: new ort.Tensor('int64', new BigInt64Array(3), [1, 3]) });
    const m = await harness.collect();
    const attrs = { 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'toy-embed' };
    expect(m.histogram('gen_ai.client.embeddings.duration', attrs).count).toBe(2);
    const tokens = m.histogram('gen_ai.client.embeddings.operation.input_tokens', attrs);
    expect(tokens.count).toBe(2);
    expect(tokens.sum).toBe(13);
    expect(m.histogram('gen_ai.server.request.duration', attrs).count).toBe(2);
    expect(m.histogram('llm.inference.run.duration', attrs).count).toBe(2);
    expect(m.histogram('llm.batch.size', attrs).sum).toBe(3);
    expect(m.sum('llm.requests.active')).toBe(0);
    await harness.shutdown();
  });

  it('fails fast without metrics or a model name', () => {
    const { metrics } = setup();
    expect(() => trackGeneration({ metrics, model: '' })).toThrow(/'model'/);
    expect(() => trackGeneration({ model: 'x' } as never)).toThrow(/metrics/);
  });
});
