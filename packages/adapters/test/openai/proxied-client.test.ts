import { startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentOpenAI, uninstrumentOpenAI } from '../../src/openai/index.js';
import { DURATION, metricsPipeline } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

/**
 * Tracing libraries hand the app a Proxy of its client (Langfuse's `observeOpenAI` does): every
 * property read returns a fresh proxy of the resource, every method read a fresh traced function
 * calling the real method. Instrumenting that proxy patches the real resource underneath; each call
 * must be traced once and recorded once, and uninstrumenting through the proxy must take ours off the
 * real resource again, although reading `create` through the proxy never returns our wrapper.
 */
function observe<T extends object>(target: T, traced: { calls: number }): T {
  return new Proxy(target, {
    get(t, key) {
      const value = Reflect.get(t, key);
      if (typeof value === 'function') {
        return (...args: unknown[]) => {
          traced.calls++;
          return Reflect.apply(value, t, args);
        };
      }
      if (typeof value === 'object' && value !== null && key !== '_client') return observe(value, traced);
      return value;
    },
  });
}

describe.each(SDKS)('openai v$major: a client behind a tracing Proxy', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);

  it('each call traced once and recorded once; uninstrument leaves nothing of ours on the client', async () => {
    const { harness, metrics } = metricsPipeline();
    const client = new OpenAI({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 });
    const traced = { calls: 0 };
    const proxied = observe(client, traced);
    const chat = () =>
      proxied.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(instrumentOpenAI(proxied, { metrics })).toBe(proxied);
    expect((await chat()).choices[0].message.content).toBe('tok0 tok1 tok2 ');
    expect(traced.calls).toBe(1);
    expect((await harness.collect()).count(DURATION)).toBe(1);

    expect(uninstrumentOpenAI(proxied)).toBe(true);
    for (const resource of [client.chat.completions, client.completions, client.embeddings, client.responses])
      expect(Object.getOwnPropertyDescriptor(resource, 'create')).toBeUndefined();
    await chat();
    expect(traced.calls).toBe(2);
    expect((await harness.collect()).count(DURATION)).toBe(1);
    await harness.shutdown();
  });
});
