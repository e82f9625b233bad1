import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { DURATION, metricsPipeline, STOPS, stopCounts, TPOC, TTFC, tokenSums } from '../shared/harness.js';
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
  /** `llm.stop.reason` the recording implies; undefined for embeddings (no generation). */
  stop: string | undefined;
}

// The documented mapping (docs/adapters/openai.md), stated here independently of the adapter's table.
const FINISH: Record<string, string> = {
  stop: 'eog',
  length: 'max_tokens',
  tool_calls: 'function_calls',
  content_filter: 'refusal',
};
const finishStop = (raw: unknown) => (typeof raw === 'string' ? (FINISH[raw] ?? 'other') : 'other');
function responseStop(response: Obj | undefined): string {
  if (response?.status === 'incomplete') {
    const reason = (response.incomplete_details as Obj | undefined)?.reason;
    return reason === 'max_output_tokens' ? 'max_tokens' : reason === 'content_filter' ? 'refusal' : 'other';
  }
  if (response?.status !== 'completed') return 'other';
  const output = Array.isArray(response.output) ? (response.output as Obj[]) : [];
  const handsBack = ['function_call', 'custom_tool_call', 'computer_call', 'local_shell_call'];
  return output.some((item) => handsBack.includes(item.type as string)) ? 'function_calls' : 'eog';
}

function expectedOf(entry: RecordedEntry): Expected {
  const text = bodyText(entry);
  const stream = entry.body.stream === true;
  const api = entry.path.replace(/^\/v1\//, '');
  const out: Expected = { input: 0, output: 0, model: undefined, stream, contents: 0, stop: undefined };
  const take = (usage: unknown) => {
    if (!usage || typeof usage !== 'object') return;
    const u = usage as Obj;
    out.input = (u.prompt_tokens ?? u.input_tokens ?? 0) as number;
    out.output = (u.completion_tokens ?? u.output_tokens ?? 0) as number;
  };
  const firstChoice = (choices: unknown) =>
    Array.isArray(choices) ? (choices[0] as Obj | undefined) : undefined;
  if (!stream) {
    const obj = JSON.parse(text) as Obj;
    out.model = obj.model as string;
    take(obj.usage);
    if (api === 'responses') out.stop = responseStop(obj);
    else if (api !== 'embeddings') out.stop = finishStop(firstChoice(obj.choices)?.finish_reason);
    return out;
  }
  if (api !== 'embeddings') out.stop = 'other';
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
      if (ev.type === 'response.completed' || ev.type === 'response.incomplete')
        out.stop = responseStop(response);
      continue;
    }
    if (ev.model) out.model = ev.model as string;
    take(ev.usage);
    const choices = Array.isArray(ev.choices) ? (ev.choices as Obj[]) : [];
    const finish = choices.find((c) => c.index === 0)?.finish_reason;
    if (finish !== null && finish !== undefined) out.stop = finishStop(finish);
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
    const stops: Record<string, number> = {};
    for (const w of want) if (w.stop !== undefined) stops[w.stop] = (stops[w.stop] ?? 0) + 1;
    expect(stopCounts(m)).toEqual(stops);
    expect(m.points(STOPS, { 'gen_ai.operation.name': 'embeddings' })).toEqual([]);
    await harness.shutdown();
  });
});
