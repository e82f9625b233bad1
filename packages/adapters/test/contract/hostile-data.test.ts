import { startAnthropicServer, startOpenAIServer } from '@genai-metrics/testkit';
import Anthropic from 'anthropic-v1';
import fc from 'fast-check';
import OpenAI from 'openai-v7';
import { describe, expect, it } from 'vitest';
import { ANTHROPIC_ADAPTER, instrumentAnthropic } from '../../src/anthropic/instrument.js';
import { instrumentOpenAI, OPENAI_ADAPTER } from '../../src/openai/instrument.js';
import { HttpCall } from '../../src/shared/http-sdk/call.js';
import type { HttpSdkAdapter } from '../../src/shared/http-sdk/client.js';
import { sdkErrorType } from '../../src/shared/http-sdk/errors.js';
import { observeStream } from '../../src/shared/http-sdk/stream.js';
import { resolveOptions } from '../../src/shared/options.js';
import { captureDiag } from '../shared/diag.js';
import { DURATION, INVALID, metricsPipeline, stopCounts, TOKENS } from '../shared/harness.js';
import { build, hostile, type Recipe, shaped } from './hostile.js';

const TYPES = [
  'message_start',
  'content_block_start',
  'content_block_delta',
  'message_delta',
  'response.output_text.delta',
  'response.completed',
  'response.incomplete',
  'response.failed',
  'error',
  'chat.completion.chunk',
];
const FIELDS = [
  'model',
  'usage',
  'delta',
  'message',
  'choices',
  'response',
  'stop_reason',
  'completion',
  'text',
  // Anthropic: whole blocks (redacted_thinking, fallback seams), answer content, compaction usage,
  // the cache writes' lifetimes.
  'content_block',
  'content',
  'iterations',
  'to',
  'cache_creation',
  // Failures and the end of an answer: error events' codes, choices' finish reasons and indices.
  'error',
  'code',
  'finish_reason',
  'index',
];

/** Every endpoint of an HTTP-SDK adapter, each with a fresh call reading what it is given. */
function calls(adapter: HttpSdkAdapter<unknown>, metrics: unknown) {
  const options = resolveOptions(adapter.options as never, { metrics });
  return adapter.endpoints(options).map((endpoint) => () => {
    const request = { stream: true, model: 'm', provider: 'p' };
    // n: 2, so a reader that waits for every choice to finish keeps count of hostile indices too.
    const reader = endpoint.begin({ model: 'm', stream: true, n: 2 }, request)!;
    const op = options.recorder.startBackendOperation({
      operation: endpoint.operation,
      provider: 'p',
      stream: true,
    });
    const settings = { adapter: 'fuzz', errorType: (e: unknown) => sdkErrorType(e, adapter.errorType) };
    return new HttpCall(op, reader, settings, true);
  });
}

/** The SDK's Stream shape over given items (an iterator that never awaits them: a hostile item may be anything). */
function streamOf(items: unknown[]) {
  const iterator = () => {
    let i = 0;
    return {
      next: () =>
        Promise.resolve(
          i < items.length ? { value: items[i++], done: false } : { value: undefined, done: true },
        ),
      // As the SDKs' async generators do: a caller's break ends the stream.
      return: () => {
        i = items.length;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  };
  return {
    controller: new AbortController(),
    iterator,
    [Symbol.asyncIterator]() {
      return this.iterator();
    },
  };
}

/**
 * Hostile SDK data through the HTTP-SDK layer and each adapter's reader: answers, stream items and
 * errors that are Symbols, BigInts, Proxies, cyclic objects, objects with throwing getters, or
 * SDK-shaped objects with such fields. The caller sees exactly the items it would see bare (same
 * objects, same order; an item the adapter hides is only ever one it asked for), nothing throws,
 * and every call is recorded exactly once.
 */
describe.each([
  ['openai', OPENAI_ADAPTER],
  ['anthropic', ANTHROPIC_ADAPTER],
] as const)('hostile SDK data: %s readers', (_name, adapter) => {
  // 60 runs take ~1.5 s alone; the limit is for a loaded machine, where the default 20 s ran out.
  it('stream items: the caller gets every item unchanged, whenever it stops; one operation per call', {
    timeout: 120_000,
  }, async () => {
    const log = captureDiag();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(shaped(TYPES, FIELDS), { maxLength: 12 }),
          fc.integer({ min: 1, max: 13 }),
          async (recipes: Recipe[], stopAt: number) => {
            const { harness, metrics } = metricsPipeline();
            const starts = calls(adapter as HttpSdkAdapter<unknown>, metrics);
            for (const start of starts) {
              const items = recipes.map(build);
              const stream = streamOf(items);
              observeStream(stream, start());
              const seen: unknown[] = [];
              // A caller that stops (return()) after `stopAt` items, or reads to the end.
              for await (const item of stream) if (seen.push(item) === stopAt) break;
              expect(seen.length).toBe(Math.min(stopAt, items.length));
              for (const [i, item] of seen.entries()) expect(Object.is(item, items[i])).toBe(true);
            }
            expect((await harness.collect()).count(DURATION)).toBe(starts.length);
            await harness.shutdown();
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      log.restore();
    }
  });

  // 60 runs take ~1.5 s alone; the limit is for a loaded machine, where the default 20 s ran out.
  it('answers and errors: never thrown into the caller, recorded once', { timeout: 120_000 }, async () => {
    const log = captureDiag();
    try {
      await fc.assert(
        fc.asyncProperty(shaped(TYPES, FIELDS), hostile, async (answer, error) => {
          const { harness, metrics } = metricsPipeline();
          const starts = calls(adapter as HttpSdkAdapter<unknown>, metrics);
          for (const start of starts) {
            start().result(build(answer));
            const failed = start();
            failed.fail(build(error));
            failed.fail(build(error)); // a second settle changes nothing
          }
          const m = await harness.collect();
          expect(m.count(DURATION)).toBe(2 * starts.length);
          for (const p of m.points(DURATION)) {
            const type = p.attributes['error.type'];
            expect(type === undefined || typeof type === 'string').toBe(true);
          }
          await harness.shutdown();
        }),
        { numRuns: 60 },
      );
    } finally {
      log.restore();
    }
  });
});

describe('hostile SDK data: the Anthropic answer fields read last', () => {
  it('a compaction entry or content block that throws when read costs neither the stop reason nor the call', async () => {
    const log = captureDiag();
    try {
      const { harness, metrics } = metricsPipeline();
      const [messages] = calls(ANTHROPIC_ADAPTER as HttpSdkAdapter<unknown>, metrics);
      const boom = () =>
        new Proxy(
          {},
          {
            get: () => {
              throw new Error('hostile');
            },
          },
        );
      const usage = { input_tokens: 3, output_tokens: 2, iterations: [boom()] };
      messages!().result({ model: 'm', stop_reason: 'max_tokens', usage, content: [boom()] });
      const m = await harness.collect();
      expect(m.count(DURATION)).toBe(1);
      expect(stopCounts(m)).toEqual({ max_tokens: 1 });
      // The compaction's share cannot be known: no total is recorded short; each is counted invalid.
      expect(m.count(TOKENS)).toBe(0);
      expect(m.sum(INVALID)).toBeGreaterThan(0);
      await harness.shutdown();
    } finally {
      log.restore();
    }
  });
});

/** What reading a stream gave the caller: every event, or the error it ended with. */
async function outcome(read: () => Promise<unknown[]>): Promise<unknown> {
  try {
    return { events: await read() };
  } catch (error) {
    return { error: `${(error as Error).constructor.name}: ${(error as Error).message}` };
  }
}

/**
 * Random JSON from the local servers, through the real SDKs: the instrumented client sees what the
 * bare one sees — the same events, or the same error where the SDK itself rejects the data.
 */
interface SdkRun<Client, Behaviour> {
  start(): Promise<{ baseURL: string; enqueue(...b: Behaviour[]): void; close(): Promise<void> }>;
  make(options: { apiKey: string; baseURL: string; maxRetries: number }): Client;
  instrument(client: Client, metrics: unknown): Client;
  stream(client: Client): Promise<AsyncIterable<unknown>>;
}

/** For each generated server behaviour: one bare and one instrumented stream, read to the end. */
async function sameAsBare<Client, Behaviour>(
  sdk: SdkRun<Client, Behaviour>,
  behaviours: fc.Arbitrary<Behaviour>,
): Promise<void> {
  const server = await sdk.start();
  const { harness, metrics } = metricsPipeline();
  const options = { apiKey: 't', baseURL: server.baseURL, maxRetries: 0 };
  const bare = sdk.make(options);
  const instrumented = sdk.instrument(sdk.make(options), metrics);
  const read = async (client: Client) => {
    const out: unknown[] = [];
    for await (const e of await sdk.stream(client)) out.push(e);
    return out;
  };
  let calls = 0;
  try {
    await fc.assert(
      fc.asyncProperty(behaviours, async (behaviour) => {
        server.enqueue(behaviour, behaviour);
        expect(await outcome(() => read(instrumented))).toEqual(await outcome(() => read(bare)));
        calls++;
      }),
      { numRuns: 25 },
    );
    expect((await harness.collect()).count(DURATION)).toBe(calls);
  } finally {
    await harness.shutdown();
    await server.close();
  }
}

describe('hostile SDK data through the real SDKs', () => {
  it('openai: random JSON events mid-stream change nothing the caller sees', () =>
    sameAsBare(
      {
        start: startOpenAIServer,
        make: (options) => new OpenAI(options),
        instrument: (client, metrics) => instrumentOpenAI(client, { metrics: metrics as never }),
        stream: (client) => client.chat.completions.create({ model: 'm', messages: [], stream: true }),
      },
      fc
        .array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 6 })
        .map((events) => ({ injectEvents: events, usage: events[0] })),
    ));

  it('anthropic: random JSON under every event name changes nothing the caller sees', () => {
    const event = fc.record({
      event: fc.constantFrom(
        'message_start',
        'content_block_delta',
        'message_delta',
        'content_block_start',
        'x',
      ),
      data: fc.jsonValue({ maxDepth: 3 }).filter((d) => d !== null && d !== ''),
    });
    return sameAsBare(
      {
        start: startAnthropicServer,
        make: (options) => new Anthropic(options),
        instrument: (client, metrics) => instrumentAnthropic(client, { metrics: metrics as never }),
        stream: (client) => client.messages.create({ model: 'm', max_tokens: 4, messages: [], stream: true }),
      },
      fc
        .tuple(fc.array(event, { maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }))
        .map(([events, usage]) => ({ injectEvents: events, usage, deltaUsage: usage })),
    );
  });
});
