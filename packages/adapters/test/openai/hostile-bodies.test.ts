import { startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { captureDiag } from '../shared/diag.js';
import { ACTIVE, collectWhenIdle, DURATION, metricsPipeline } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

/** A request body whose `key` throws when read (as the SDK serializes it, and as we read it). */
function throwingAt<T extends object>(body: T, key: string): T {
  return Object.defineProperty(body, key, {
    enumerable: true,
    get() {
      throw new Error('hostile read');
    },
  });
}

/**
 * A request body with a getter that throws is the app's bad request: the SDK fails the call (when it
 * serializes the body, or at once), and the failure is recorded once like any other — whatever the
 * adapter reads of the body for itself: `background` of a Responses call, the fields `includeUsage`
 * copies into the body it sends.
 */
describe.each(SDKS)('openai v$major: request bodies whose getters throw', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);

  it('the call fails as the SDK fails it, recorded once as a failure', async () => {
    const log = captureDiag();
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(new OpenAI({ apiKey: 'k', baseURL: server().baseURL, maxRetries: 0 }), {
      metrics,
      includeUsage: true,
    });
    const calls = [
      () => client.responses.create(throwingAt({ model: 'responses', input: 'hi' }, 'background')),
      () => client.chat.completions.create(throwingAt({ model: 'chat-stream', stream: true }, 'messages')),
      () => client.completions.create(throwingAt({ model: 'completions-stream', stream: true }, 'prompt')),
    ];
    for (const call of calls) {
      await expect((async () => call())()).rejects.toThrow('hostile read');
    }
    const m = await collectWhenIdle(harness);
    const failures = (model: string) =>
      m
        .points(DURATION, { 'gen_ai.request.model': model })
        .map((p) => [typeof p.attributes['error.type'], (p.value as { count: number }).count]);
    expect({
      responses: failures('responses'),
      chatStream: failures('chat-stream'),
      completionsStream: failures('completions-stream'),
    }).toEqual({
      responses: [['string', 1]],
      chatStream: [['string', 1]],
      completionsStream: [['string', 1]],
    });
    expect(m.sum(ACTIVE)).toBe(0);
    expect(server().requests).toHaveLength(0);
    await harness.shutdown();
    log.restore();
  });
});
