import { parseTextFormat, promtoolCheckMetrics } from '@genai-metrics/testkit';
import type { Meter } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import type { setupMetrics } from '../../src/index.js';
import { TRUNCATION_SUFFIX, truncate } from '../../src/input/truncate.js';
import { appMeter, appMeterTeardown } from '../support/app-meter.js';

/**
 * A label value of the app's own instruments on the MeterProvider setupMetrics creates is bounded as
 * genai-metrics bounds its own: cut at `attributeValueLengthLimit` with the visible suffix, one long
 * value and its cut twin one series, each cut counted in
 * `llm.input.sanitized{llm.input.field="appAttributes", llm.input.problem="truncated"}`. Without it the
 * SDK held a 1 MB prompt put in a label by mistake and wrote it into every scrape and every push.
 */

const LIMIT = 64;
const HUGE = 'p'.repeat(1 << 20);
const CUT = truncate(HUGE, LIMIT);

const { handles, startReceiver } = appMeterTeardown();

/** Records a huge string, its cut twin, a string array holding a huge string, and observes a huge string. */
function recordHuge(meter: Meter): void {
  const requests = meter.createCounter('app.requests');
  requests.add(1, { prompt: HUGE, route: '/chat' });
  requests.add(2, { prompt: CUT, route: '/chat' }); // the same series as the huge value
  meter.createHistogram('app.latency').record(3, { tags: ['short', HUGE] });
  meter.createObservableGauge('app.queue').addCallback((result) => result.observe(7, { agent: HUGE }));
}

const sanitizedTruncations = (samples: { name: string; labels: Record<string, string>; value: number }[]) =>
  samples.find(
    (s) =>
      s.name === 'llm_input_sanitized_total' &&
      s.labels.llm_input_field === 'appAttributes' &&
      s.labels.llm_input_problem === 'truncated',
  )?.value;

describe.each(['provider', 'global'] as const)("the app's own label values (meter from %s)", (source) => {
  const setup = (options: Parameters<typeof setupMetrics>[0]) =>
    appMeter(source, { ...options, attributeValueLengthLimit: LIMIT }, handles);

  it('are cut at the limit in a Prometheus scrape, one series with their cut twin, each cut counted', async () => {
    const meter = await setup({ prometheus: { server: false } });
    recordHuge(meter);
    for (let scrape = 1; scrape <= 2; scrape++) {
      const text = await (await handles[0]!.metricsResponse()).text();
      expect(text.length, `scrape ${scrape} body`).toBeLessThan(64 * 1024);
      const lint = promtoolCheckMetrics(text);
      expect(lint.exitCode, lint.output).toBe(0);
      const samples = parseTextFormat(text).families.flatMap((f) => f.samples);
      const requests = samples.filter((s) => s.name === 'app_requests_total');
      expect(requests).toEqual([
        { name: 'app_requests_total', labels: { prompt: CUT, route: '/chat' }, value: 3 },
      ]);
      const latency = samples.find((s) => s.name === 'app_latency_count');
      // Prometheus writes an array attribute as its JSON text.
      expect(latency?.labels.tags).toBe(JSON.stringify(['short', CUT]));
      expect(samples.find((s) => s.name === 'app_queue')?.labels.agent).toBe(CUT);
      // Two records and one observation per collection so far: each cut is counted once.
      expect(sanitizedTruncations(samples)).toBe(2 + scrape);
    }
    expect(CUT.endsWith(TRUNCATION_SUFFIX) && CUT.length === LIMIT).toBe(true);
  });

  it('are cut at the limit in an OTLP push', async () => {
    const receiver = await startReceiver();
    const meter = await setup({
      exporter: 'otlp',
      otlp: { url: receiver.metricsEndpoint },
      exportIntervalMillis: 3_600_000,
    });
    recordHuge(meter);
    await handles[0]!.forceFlush();
    const points = receiver.exports.at(-1)!.points;
    expect(points.filter((p) => p.metric === 'app.requests').map((p) => [p.attributes, p.value])).toEqual([
      [{ prompt: CUT, route: '/chat' }, 3],
    ]);
    expect(points.find((p) => p.metric === 'app.latency')?.attributes).toEqual({ tags: ['short', CUT] });
    expect(points.find((p) => p.metric === 'app.queue')?.attributes).toEqual({ agent: CUT });
    const sanitized = points.find(
      (p) =>
        p.metric === 'llm.input.sanitized' &&
        p.attributes['llm.input.field'] === 'appAttributes' &&
        p.attributes['llm.input.problem'] === 'truncated',
    );
    expect(sanitized?.value).toBe(3);
  });
});
