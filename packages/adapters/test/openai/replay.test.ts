import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { DURATION, metricsPipeline, TPOC, TTFC, tokenSums } from '../shared/harness.js';
import {
  bodyText,
  loadRecorded,
  type RecordedEntry,
  type ReplayServer,
  startReplayServer,
} from './recorded.js';
import { SDKS } from './sdks.js';

/**
 * Real OpenAI responses replayed through the real SDK of each major: the metrics must agree with
 * what the recording itself says (usage, model, content chunks), read here straight from the data.
 */
const files = loadRecorded();

type Obj = Record<string, unknown>;
interface Expected {
  input: number;
  output: number;
  model: string | undefined;
  stream: boolean;
  contents: number;
}

function expectedOf(entry: RecordedEntry): Expected {
  const text = bodyText(entry);
  const stream = entry.body.stream === true;
  const out: Expected = { input: 0, output: 0, model: undefined, stream, contents: 0 };
  const take = (usage: unknown) => {
    if (!usage || typeof usage !== 'object') return;
    const u = usage as Obj;
    out.input = (u.prompt_tokens ?? u.input_tokens ?? 0) as number;
    out.output = (u.completion_tokens ?? u.output_tokens ?? 0) as number;
  };
  if (!stream) {
    const obj = JSON.parse(text) as Obj;
    out.model = obj.model as string;
    take(obj.usage);
    return out;
  }
  const events = text
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]')
    .map((l) => JSON.parse(l.slice(6)) as Obj);
  for (const ev of events) {
    if (typeof ev.type === 'string') {
      if (ev.type.endsWith('.delta') && ev.delta) out.contents++;
      const response = ev.response as Obj | undefined;
      if (response?.model) out.model = response.model as string;
      take(response?.usage);
      continue;
    }
    if (ev.model) out.model = ev.model as string;
    take(ev.usage);
    const choices = Array.isArray(ev.choices) ? (ev.choices as Obj[]) : [];
    if (
      choices.some((c) => (c.delta as Obj | undefined)?.content || (c.delta as Obj | undefined)?.tool_calls)
    ) {
      out.contents++;
    }
  }
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: the SDK majors differ; the call is driven by the recorded path.
function call(client: any, entry: RecordedEntry): Promise<unknown> {
  const api = entry.path.replace(/^\/v1\//, '');
  if (api === 'chat/completions') return client.chat.completions.create(entry.body);
  if (api === 'completions') return client.completions.create(entry.body);
  if (api === 'embeddings') return client.embeddings.create(entry.body);
  if (api === 'responses') return client.responses.create(entry.body);
  throw new Error(`no SDK method for ${entry.path}`);
}

describe.each(SDKS)('openai v$major: recorded OpenAI responses', ({ OpenAI }) => {
  let server: ReplayServer;
  beforeAll(async () => {
    server = await startReplayServer();
  });
  afterAll(() => server?.close());

  const withEntries = files.filter((f) => f.entries.length > 0);
  it.each(withEntries.map((f) => [f.name, f] as const))('%s', async (_name, file) => {
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(new OpenAI({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 }), {
      metrics,
    });
    server.load(file.entries);
    const want = file.entries.map(expectedOf);
    for (const entry of file.entries) {
      const result = await call(client, entry);
      if (entry.body.stream === true) for await (const _ of result as AsyncIterable<unknown>);
    }
    expect(server.unmatched).toEqual([]);
    const m = await harness.collect();
    expect(m.count(DURATION)).toBe(file.entries.length);
    expect(m.points(DURATION).filter((p) => p.attributes['error.type'] !== undefined)).toEqual([]);
    const sums = tokenSums(m);
    expect({ input: sums.input, output: sums.output }).toEqual({
      input: want.reduce((a, w) => a + w.input, 0),
      output: want.reduce((a, w) => a + w.output, 0),
    });
    const models = new Set(m.points(DURATION).map((p) => p.attributes['gen_ai.response.model']));
    expect(models).toEqual(new Set(want.map((w) => w.model)));
    const streams = want.filter((w) => w.stream);
    expect(m.count(TTFC)).toBe(streams.filter((w) => w.contents > 0).length);
    expect(m.count(TPOC)).toBe(streams.reduce((a, w) => a + Math.max(w.contents - 1, 0), 0));
    await harness.shutdown();
  });
});
