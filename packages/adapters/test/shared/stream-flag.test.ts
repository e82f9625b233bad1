import { startAnthropicServer, startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { SDKS as ANTHROPIC_SDKS } from '../anthropic/sdks.js';
import { SDKS as OPENAI_SDKS } from '../openai/sdks.js';
import * as h from './harness.js';
import { useServer } from './lifecycle.js';

/**
 * openai 4–6 and @anthropic-ai/sdk decide "is this a stream?" by the truthiness of `body.stream`
 * (`props.options.stream` when parsing the answer), so `stream: 1` — what an untyped JS caller or a
 * config file hands over, and what lax servers (vLLM's pydantic models) take as true — returns a
 * Stream. openai 7 decides from the serialized JSON (`stream` must be `true`), parses the answer as
 * a plain body, and hands back no Stream. The adapters must see the call the SDK made.
 */
const messages = [{ role: 'user', content: 'hi' }];

describe.each(OPENAI_SDKS)('openai v$major: a truthy non-boolean stream flag', ({ major, OpenAI }) => {
  const server = useServer(startOpenAIServer);

  // One case per major, the one its SDK decides (a skipped case per major would assert nothing).
  const streamsOnTruthyFlag = async () => {
    const { harness, metrics } = h.metricsPipeline();
    const client = instrumentOpenAI(new OpenAI({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 }), {
      metrics,
    });
    server().enqueue({ chunks: 4, promptTokens: 6 });
    const stream = await client.chat.completions.create({
      model: 'm',
      messages,
      stream: 1,
      stream_options: { include_usage: true },
    });
    let chunks = 0;
    for await (const _ of stream as AsyncIterable<unknown>) chunks++;
    expect(chunks).toBeGreaterThan(4); // the caller got a stream of chunks
    const m = await h.collectWhenIdle(harness);
    expect(m.histogram(h.TTFC).count).toBe(1);
    expect(m.histogram(h.TPOC).count).toBe(3);
    expect(h.tokenSums(m)).toEqual({ input: 6, output: 4, count: 2 });
    expect(h.stopCounts(m)).toEqual({ eog: 1 });
    await harness.shutdown();
  };

  const noStreamOnTruthyFlag = async () => {
    const { harness, metrics } = h.metricsPipeline();
    const client = instrumentOpenAI(new OpenAI({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 }), {
      metrics,
    });
    server().enqueue({ chunks: 4, promptTokens: 6 });
    const answer = await client.chat.completions.create({ model: 'm', messages, stream: 1 });
    expect(typeof (answer as { controller?: unknown }).controller).toBe('undefined');
    const m = await h.collectWhenIdle(harness);
    expect(m.count(h.DURATION)).toBe(1);
    expect(m.points(h.DURATION)[0]!.attributes['error.type']).toBeUndefined();
    expect(m.count(h.TTFC)).toBe(0);
    await harness.shutdown();
  };

  if (major < 7) it('stream: 1 is a stream to the SDK and to the metrics', streamsOnTruthyFlag);
  else it('stream: 1 is no stream to openai 7, nor to the metrics', noStreamOnTruthyFlag);
});

describe.each(ANTHROPIC_SDKS)('anthropic v$major: a truthy non-boolean stream flag', ({ Anthropic }) => {
  const server = useServer(startAnthropicServer);

  it('stream: 1 is a stream to the SDK and to the metrics', async () => {
    const { harness, metrics } = h.metricsPipeline();
    const client = instrumentAnthropic(
      new Anthropic({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 }),
      { metrics },
    );
    server().enqueue({ chunks: 3, inputTokens: 5 });
    const stream = await client.messages.create({ model: 'm', max_tokens: 64, messages, stream: 1 });
    const types: string[] = [];
    for await (const e of stream as AsyncIterable<{ type: string }>) types.push(e.type);
    expect(types[0]).toBe('message_start');
    const m = await h.collectWhenIdle(harness);
    expect(m.histogram(h.TTFC).count).toBe(1);
    expect(m.histogram(h.TPOC).count).toBe(2);
    expect(h.tokenSums(m)).toEqual({ input: 5, output: 3, count: 2 });
    expect(h.stopCounts(m)).toEqual({ eog: 1 });
    await harness.shutdown();
  });
});
