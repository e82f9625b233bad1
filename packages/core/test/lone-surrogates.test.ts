import { PrometheusServer } from '@genai-metrics/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics } from '../src/index.js';

/**
 * A string with a lone surrogate (half of a UTF-16 pair: what a byte-level cut of an emoji, or a
 * hostile caller, hands over) cannot be written as UTF-8: the exposition and the OTLP encoder write
 * U+FFFD in its place. `model-\uD800` and `model-\uDC00` are two attribute sets to us, but one label
 * set to a scraper, so the exposition would carry the same series several times and Prometheus keeps
 * one of them: operations are lost. They must be one series already when they are recorded.
 */
const MODELS = ['model-\uD800', 'model-\uDC00', 'model-\uFFFD', 'model-\uDC00\uD800'];

const handles: MetricsHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.shutdown()));
});

/** Sample lines (name and labels) that appear more than once in an exposition. */
function repeatedSeries(text: string): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const series = line.slice(0, line.lastIndexOf(' '));
    if (seen.has(series)) repeated.push(series);
    seen.add(series);
  }
  return repeated;
}

describe('label values with lone surrogates', () => {
  it('become one visible series per label set, counted, and Prometheus counts every operation', async () => {
    const h = await setupMetrics({ prometheus: { port: 0 } });
    handles.push(h);
    for (const requestModel of MODELS) {
      h.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel }).end();
      h.genai.startStage('tokenize', { requestModel }).end();
      h.genai.startTool({ name: requestModel }).end();
    }
    const text = await (await fetch(h.url!)).text();
    expect(repeatedSeries(text)).toEqual([]);
    expect(text).toMatch(
      /^gen_ai_client_operation_duration_count\{[^}]*gen_ai_request_model="model-\uFFFD"\} 3$/m,
    );
    expect(text).toMatch(
      /^gen_ai_client_operation_duration_count\{[^}]*gen_ai_request_model="model-\uFFFD\uFFFD"\} 1$/m,
    );
    // Three of the four request models had lone surrogates, given to three entry points each.
    expect(text).toMatch(
      /^llm_input_sanitized_total\{llm_input_field="requestModel",llm_input_problem="lone_surrogate"\} 6$/m,
    );
    expect(text).toMatch(
      /^llm_input_sanitized_total\{llm_input_field="toolName",llm_input_problem="lone_surrogate"\} 3$/m,
    );

    const prom = await PrometheusServer.start({ targets: [h.url!] });
    try {
      await prom.waitForScrape();
      expect(await prom.queryValue('sum(gen_ai_client_operation_duration_count)')).toBe(MODELS.length);
      expect(await prom.queryValue('sum(gen_ai_execute_tool_duration_count)')).toBe(MODELS.length);
    } finally {
      await prom.stop();
    }
  }, 60_000);

  it('are looked for only in what is kept of a long value', async () => {
    const h = await setupMetrics({ prometheus: { port: 0 } });
    handles.push(h);
    // Lone surrogates past the length limit are cut off with the rest; one before it is replaced.
    h.genai
      .startOperation({
        operation: 'chat',
        provider: 'p',
        requestModel: `a${'\uDC00'.repeat(1000)}`.padStart(2000, 'x'),
      })
      .end();
    h.genai
      .startOperation({ operation: 'chat', provider: 'p', requestModel: `\uD800${'y'.repeat(1000)}` })
      .end();
    const text = await (await fetch(h.url!)).text();
    expect(text).toMatch(
      /^llm_input_sanitized_total\{llm_input_field="requestModel",llm_input_problem="truncated"\} 2$/m,
    );
    expect(text).toMatch(
      /^llm_input_sanitized_total\{llm_input_field="requestModel",llm_input_problem="lone_surrogate"\} 1$/m,
    );
    expect(text).toMatch(/gen_ai_request_model="\uFFFDy+\.\.\.\[truncated\]"/);
  });
});
