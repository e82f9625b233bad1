import { createRequire } from 'node:module';
import { genAiViews } from '@genai-metrics/core';
import { MetricsHarness, startOpenAIServer } from '@genai-metrics/testkit';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentOpenAI, uninstrumentOpenAI } from '../../src/openai/index.js';
import { DURATION, metricsPipeline, TTFC } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';

/**
 * The upstream `@opentelemetry/instrumentation-openai` patches the SDK classes' prototypes (through
 * its require hook, CommonJS builds of openai < 7); we patch one client instance. An app may run both
 * (traces from upstream, these metrics from us), enabled in either order: each must go on recording
 * every call exactly once, the app's answer must be unchanged, and once both are undone nothing of
 * ours may be left on the client.
 */
const require = createRequire(import.meta.url);
const MAJORS = ['openai-v4', 'openai-v5', 'openai-v6'] as const;
type Client = {
  chat: { completions: { create(body: object): Promise<{ choices: { message: { content: string } }[] }> } };
};
type Module = { OpenAI: new (o: object) => Client };

// One instance for the file: the instrumentation package shares one require hook among all its
// instances, which hands each module to the first instance that saw it. This one sees every major
// once (its hook patches them as they load); each test then enables and disables it.
const upstream = new OpenAIInstrumentation({ enabled: false });
upstream.enable();
const modules = Object.fromEntries(MAJORS.map((pkg) => [pkg, require(pkg) as Module]));
upstream.disable();

describe.each(MAJORS)('%s beside the upstream instrumentation-openai', (pkg) => {
  const server = useServer(startOpenAIServer);
  afterEach(() => upstream.disable());
  const mod = modules[pkg]!;

  /** Enables upstream (it patches the CJS classes' prototypes), recording into a pipeline of its own. */
  function enableUpstream() {
    const harness = new MetricsHarness({ views: genAiViews() });
    upstream.setMeterProvider(harness.meterProvider);
    upstream.enable();
    return harness;
  }
  const chat = (c: Client) =>
    c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  const createOf = (c: Client) => Object.getOwnPropertyDescriptor(c.chat.completions, 'create');

  it.each([
    ['ours first, then upstream', 'ours-first'],
    ['upstream first, then ours', 'upstream-first'],
  ] as const)(
    '%s: each records every call once; undone in either order, nothing is left',
    async (_, order) => {
      const ours = metricsPipeline();
      const client = new mod.OpenAI({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 });
      let up: MetricsHarness;
      if (order === 'ours-first') {
        instrumentOpenAI(client, { metrics: ours.metrics });
        up = enableUpstream();
      } else {
        up = enableUpstream();
        instrumentOpenAI(client, { metrics: ours.metrics });
      }
      expect((await chat(client)).choices[0]!.message.content).toBe('tok0 tok1 tok2 ');
      expect((await ours.harness.collect()).count(DURATION)).toBe(1);
      expect((await up.collect()).count(DURATION)).toBe(1);
      // A stream: both replace its iterator; the caller reads the same chunks, each side times it once.
      const stream = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream as unknown as AsyncIterable<{
        choices: { delta: { content?: string } }[];
      }>)
        text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe('tok0 tok1 tok2 ');
      const streamed = { 'gen_ai.operation.name': 'chat' };
      expect((await ours.harness.collect()).histogram(TTFC, streamed).count).toBe(1);
      expect((await up.collect()).count(DURATION)).toBe(2);
      expect((await ours.harness.collect()).count(DURATION)).toBe(2);

      // Undo one side: the other still records each call once.
      uninstrumentOpenAI(client);
      await chat(client);
      expect((await ours.harness.collect()).count(DURATION)).toBe(2);
      expect((await up.collect()).count(DURATION)).toBe(3);
      instrumentOpenAI(client, { metrics: ours.metrics });
      upstream.disable();
      await chat(client);
      expect((await ours.harness.collect()).count(DURATION)).toBe(3);
      expect((await up.collect()).count(DURATION)).toBe(3);

      uninstrumentOpenAI(client);
      expect(createOf(client)).toBeUndefined();
      await chat(client);
      expect((await ours.harness.collect()).count(DURATION)).toBe(3);
      expect((await up.collect()).count(DURATION)).toBe(3);
      await Promise.all([ours.harness.shutdown(), up.shutdown()]);
    },
  );
});
