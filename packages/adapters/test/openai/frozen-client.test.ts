import { startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentOpenAI, uninstrumentOpenAI } from '../../src/openai/index.js';
import { captureDiag } from '../shared/diag.js';
import { DURATION, metricsPipeline } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

/**
 * An app may freeze what it hands us, or hand us a Proxy that refuses changes. The SDK's methods live
 * on its classes, so patching one instance means adding an own property, which such an object refuses:
 * instrumenting it must be a setup error that says what to change (or, when only part of the client
 * refuses, a warning naming what is not recorded) — never the engine's raw TypeError from inside us.
 */
describe.each(SDKS)('openai v$major: a client that refuses new properties', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);
  const client = () => new OpenAI({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 });
  type Client = ReturnType<typeof client>;
  const chat = (c: Client) =>
    c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  const freezeAll = (c: Client) => {
    for (const r of [c.chat.completions, c.completions, c.embeddings, c.responses]) Object.freeze(r);
    return c;
  };

  it.each([
    ['frozen', (o: object) => Object.freeze(o)],
    ['sealed', (o: object) => Object.seal(o)],
    ['non-extensible', (o: object) => Object.preventExtensions(o)],
  ] as const)('every resource %s: a TypeError that says to instrument before freezing', (_, lock) => {
    const { metrics } = metricsPipeline();
    const c = client();
    for (const r of [c.chat.completions, c.completions, c.embeddings, c.responses]) lock(r);
    expect(() => instrumentOpenAI(c, { metrics })).toThrow(/call instrumentOpenAI\(\) before freezing/);
    expect(() => instrumentOpenAI(c, { metrics })).toThrow(TypeError);
    expect(uninstrumentOpenAI(c)).toBe(false);
  });

  it('one resource frozen: the rest is recorded, a warning names what is not', async () => {
    const { harness, metrics } = metricsPipeline();
    const log = captureDiag();
    try {
      const c = client();
      Object.freeze(c.chat.completions);
      expect(instrumentOpenAI(c, { metrics })).toBe(c);
      expect(log.warnings.some((w) => w.includes('could not patch chat.completions.create'))).toBe(true);
      await chat(c);
      await c.embeddings.create({ model: 'e', input: 'hi' });
      const m = await harness.collect();
      expect(m.count(DURATION, { 'gen_ai.operation.name': 'embeddings' })).toBe(1);
      expect(m.count(DURATION, { 'gen_ai.operation.name': 'chat' })).toBe(0);
      expect(uninstrumentOpenAI(c)).toBe(true);
    } finally {
      log.restore();
      await harness.shutdown();
    }
  });

  it("a resource behind a Proxy whose traps throw: a setup error of ours, not the trap's", () => {
    const { metrics } = metricsPipeline();
    const c = freezeAll(client());
    const trap = () => {
      throw new Error('trap');
    };
    c.chat = {
      completions: new Proxy(c.chat.completions, { getOwnPropertyDescriptor: trap, defineProperty: trap }),
    };
    expect(() => instrumentOpenAI(c, { metrics })).toThrow(
      /^genai-metrics: instrumentOpenAI\(\): could not patch/,
    );
  });
});
