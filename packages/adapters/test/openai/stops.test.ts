import { startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { collectWhenIdle, metricsPipeline, STOPS, stopCounts } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

/**
 * `llm.generation.stops`: every generation (chat, text completion, Responses API) is counted once by
 * why it stopped — `finish_reason`, the Responses status — or by how the call ended; embeddings
 * generate nothing and are not counted. The same vocabulary as the Anthropic adapter's stop_reason.
 */
describe.each(SDKS)('openai v$major: stop reasons', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);

  function setup() {
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(
      new OpenAI({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }),
      {
        metrics,
      },
    );
    return { harness, client };
  }
  const messages = [{ role: 'user', content: 'hi' }];
  const drain = async (stream: AsyncIterable<unknown>) => {
    for await (const _ of stream);
  };

  it("vLLM's stop_reason tells a stop sequence or stop token from the end of the answer", async () => {
    const { harness, client } = setup();
    server().enqueue(
      { stopReason: '###' },
      { stopReason: 128009 },
      { stopReason: null },
      { stopReason: '###' },
      { stopReason: null },
      { stopReason: 7 },
    );
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'm', messages });
    await drain(await client.chat.completions.create({ model: 'm', messages, stream: true }));
    await drain(await client.chat.completions.create({ model: 'm', messages, stream: true }));
    await client.completions.create({ model: 'text-model', prompt: 'hi' });
    const m = await collectWhenIdle(harness);
    expect(stopCounts(m, { 'gen_ai.operation.name': 'chat' })).toEqual({ stop_trigger: 3, eog: 2 });
    expect(stopCounts(m, { 'gen_ai.operation.name': 'text_completion' })).toEqual({ stop_trigger: 1 });
    await harness.shutdown();
  });

  it("servers' own names for the end of the answer and for a stop sequence (Together, TGI / Hugging Face)", async () => {
    const { harness, client } = setup();
    server().enqueue(
      { finishReason: 'eos' },
      { finishReason: 'eos_token' },
      { finishReason: 'stop_sequence' },
      { finishReason: 'eos_token' },
      { finishReason: 'stop_sequence' },
    );
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'm', messages });
    await drain(await client.chat.completions.create({ model: 'm', messages, stream: true }));
    await drain(await client.completions.create({ model: 'text-model', prompt: 'hi', stream: true }));
    const m = await collectWhenIdle(harness);
    expect(stopCounts(m, { 'gen_ai.operation.name': 'chat' })).toEqual({ eog: 3, stop_trigger: 1 });
    expect(stopCounts(m, { 'gen_ai.operation.name': 'text_completion' })).toEqual({ stop_trigger: 1 });
    await harness.shutdown();
  });

  it('chat and completions answers: finish_reason, JSON and streamed', async () => {
    const { harness, client } = setup();
    server().enqueue(
      {},
      { finishReason: 'length' },
      { finishReason: 'content_filter' },
      { toolCalls: [{ name: 'lookup', arguments: { q: 'x' } }] },
      { finishReason: 'length' },
      { finishReason: 'tool_calls_v2' },
      { finishReason: 'length' },
      { toolCalls: [{ name: 'lookup', arguments: { q: 'y' } }] },
    );
    for (let i = 0; i < 4; i++) await client.chat.completions.create({ model: 'm', messages });
    await client.completions.create({ model: 'text-model', prompt: 'hi' });
    await client.chat.completions.create({ model: 'm', messages });
    await drain(await client.chat.completions.create({ model: 'm', messages, stream: true }));
    await drain(await client.chat.completions.create({ model: 'm', messages, stream: true }));
    const m = await harness.collect();
    expect(stopCounts(m, { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' })).toEqual({
      eog: 1,
      max_tokens: 2,
      refusal: 1,
      function_calls: 2,
      other: 1,
    });
    expect(stopCounts(m, { 'gen_ai.operation.name': 'text_completion' })).toEqual({ max_tokens: 1 });
    expect(m.points(STOPS, { 'gen_ai.provider.name': 'openai' })).toHaveLength(6);
    await harness.shutdown();
  });

  it('Responses API: completed is eog, incomplete says why, function calls hand the turn back', async () => {
    const { harness, client } = setup();
    server().enqueue(
      {},
      { incompleteReason: 'max_output_tokens' },
      { incompleteReason: 'content_filter' },
      {
        incompleteReason: 'max_output_tokens',
      },
    );
    await client.responses.create({ model: 'r', input: 'hi' });
    await client.responses.create({ model: 'r', input: 'hi' });
    await client.responses.create({ model: 'r', input: 'hi' });
    await drain(await client.responses.create({ model: 'r', input: 'hi', stream: true }));
    const m = await harness.collect();
    expect(stopCounts(m, { 'gen_ai.request.model': 'r' })).toEqual({ eog: 1, max_tokens: 2, refusal: 1 });
    await harness.shutdown();
  });

  it('failures, aborts and early breaks count how the call ended; embeddings are not counted', async () => {
    const { harness, client } = setup();
    server().enqueue({ status: 500 }, { chunks: 6 }, { chunks: 6, chunkDelayMs: 30 }, {});
    await expect(client.chat.completions.create({ model: 'm', messages })).rejects.toThrow();
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    for await (const _ of stream) break;
    const controller = new AbortController();
    const aborted = await client.chat.completions.create(
      { model: 'm', messages, stream: true },
      { signal: controller.signal },
    );
    let seen = 0;
    for await (const _ of aborted) if (++seen === 2) controller.abort();
    await client.embeddings.create({ model: 'e', input: 'hi' });
    const m = await collectWhenIdle(harness);
    expect(stopCounts(m, { 'gen_ai.request.model': 'm' })).toEqual({ error: 1, caller_stop: 1, abort: 1 });
    expect(m.points(STOPS, { 'gen_ai.operation.name': 'embeddings' })).toEqual([]);
    await harness.shutdown();
  });

  it('asResponse() without parsing: the body is the caller’s, the reason unknown (other)', async () => {
    const { harness, client } = setup();
    server().enqueue({ finishReason: 'length' });
    const response = await client.chat.completions.create({ model: 'm', messages }).asResponse();
    expect(response.status).toBe(200);
    await response.text();
    const m = await collectWhenIdle(harness);
    expect(stopCounts(m)).toEqual({ other: 1 });
    await harness.shutdown();
  });
});
