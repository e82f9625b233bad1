import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type OtlpPoint, parseTextFormat, seriesPerMetric } from '@genai-metrics/testkit';
import type { Meter } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { setupMetrics } from '../../src/index.js';
import { appMeter, appMeterTeardown } from '../support/app-meter.js';

/**
 * The app's own instruments on the MeterProvider setupMetrics creates (through `handle.meterProvider`
 * or the OTel global API once the app registers it) are bounded like ours: across any number of
 * collections, at most `views.cardinalityLimit` series per metric, the rest in the
 * `otel.metric.overflow` series, nothing lost. The OTel SDK alone bounds each collection only and
 * merges it into an unbounded cumulative state: a counter keyed by user id grew by ~limit series per
 * scrape (measured here before the fix: the limit of 20 was not applied at all, and with the default
 * limit of 2000 a counter had 5,999 series after 3 scrapes of 2,500 new users each; the heap grew by
 * 53 MB over 30 scrapes of 1,000 new users).
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const LIMIT = 20;
const ROUNDS = 10;
const USERS_PER_ROUND = 30;

const { handles, startReceiver } = appMeterTeardown();

/** What one round records: per user, a counter add of 2, a histogram record of 3 and a +1/−1 pair. */
function recordRound(meter: Meter, round: number): void {
  // Instruments are looked up again each round, as an app that creates them per request would.
  const requests = meter.createCounter('app.requests');
  const latency = meter.createHistogram('app.latency', { unit: 's' });
  const active = meter.createUpDownCounter('app.active');
  for (let u = 0; u < USERS_PER_ROUND; u++) {
    const attributes = { 'user.id': `user-${round}-${u}` };
    requests.add(2, attributes);
    latency.record(3, attributes);
    active.add(1, attributes);
    active.add(-1, attributes);
  }
}

const APP_METRICS = ['app.requests', 'app.latency', 'app.active'];

describe.each(['provider', 'global'] as const)("the app's own instruments (meter from %s)", (source) => {
  const setup = (options: Parameters<typeof setupMetrics>[0]) =>
    appMeter(source, { ...options, views: { cardinalityLimit: LIMIT } }, handles);

  it('stay within the limit over many Prometheus scrapes, every value counted', async () => {
    const meter = await setup({ prometheus: { port: 0 } });
    const url = handles[0]!.url!;
    for (let round = 0; round < ROUNDS; round++) {
      recordRound(meter, round);
      const text = await (await fetch(url)).text();
      const series = seriesPerMetric(text);
      for (const name of ['app_requests', 'app_latency', 'app_active']) {
        expect(series.get(name), `${name} after scrape ${round + 1}`).toBeLessThanOrEqual(LIMIT);
      }
      const samples = parseTextFormat(text).families.flatMap((f) => f.samples);
      const total = (name: string) =>
        samples.filter((s) => s.name === name).reduce((sum, s) => sum + s.value, 0);
      const recorded = (round + 1) * USERS_PER_ROUND;
      expect(total('app_requests_total')).toBe(2 * recorded);
      expect(total('app_latency_count')).toBe(recorded);
      expect(total('app_latency_sum')).toBe(3 * recorded);
      expect(total('app_active')).toBe(0);
      if (round === ROUNDS - 1) {
        expect(samples.some((s) => s.name === 'app_requests_total' && s.labels.user_id === 'user-0-0')).toBe(
          true,
        );
        expect(
          samples.filter((s) => s.name === 'app_requests_total' && s.labels.otel_metric_overflow === 'true'),
        ).toHaveLength(1);
      }
    }
  });

  it.each(['cumulative', 'delta'] as const)(
    'stay within the limit over many OTLP pushes (%s), every value counted',
    async (temporality) => {
      const receiver = await startReceiver();
      const meter = await setup({
        exporter: 'otlp',
        otlp: { url: receiver.metricsEndpoint, temporality },
        exportIntervalMillis: 3_600_000,
      });
      const handle = handles[0]!;
      const union = new Map<string, Set<string>>();
      const pushed: OtlpPoint[][] = [];
      for (let round = 0; round < ROUNDS; round++) {
        recordRound(meter, round);
        await handle.forceFlush();
        const points = receiver.exports.at(-1)!.points.filter((p) => APP_METRICS.includes(p.metric));
        pushed.push(points);
        for (const name of APP_METRICS) {
          const own = points.filter((p) => p.metric === name);
          expect(own.length, `${name} in push ${round + 1}`).toBeLessThanOrEqual(LIMIT);
          const seen = union.get(name) ?? new Set<string>();
          union.set(name, seen);
          for (const p of own) seen.add(JSON.stringify(p.attributes));
        }
      }
      expect(receiver.exports.every((e) => e.accepted)).toBe(true);
      // A delta backend keeps every series it was ever sent: the union is what must stay bounded.
      for (const [name, seen] of union) expect(seen.size, `${name}, all pushes`).toBeLessThanOrEqual(LIMIT);
      const counted = temporality === 'delta' ? pushed.flat() : pushed.at(-1)!;
      const of = (name: string) => counted.filter((p) => p.metric === name);
      const recorded = ROUNDS * USERS_PER_ROUND;
      expect(of('app.requests').reduce((a, p) => a + p.value!, 0)).toBe(2 * recorded);
      expect(of('app.latency').reduce((a, p) => a + p.count!, 0)).toBe(recorded);
      expect(of('app.latency').reduce((a, p) => a + p.sum!, 0)).toBe(3 * recorded);
      expect(of('app.active').reduce((a, p) => a + p.value!, 0)).toBe(0);
      expect(of('app.requests').filter((p) => p.attributes['otel.metric.overflow'] === true).length).toBe(
        temporality === 'delta' ? ROUNDS : 1,
      );
    },
  );
});

describe("the app's own instruments with the default limit", () => {
  it('keep at most 2000 series per metric across scrapes (the SDK alone adds up to 2000 per scrape)', async () => {
    const handle = await setupMetrics({ prometheus: { server: false } });
    handles.push(handle);
    const counter = handle.meterProvider.getMeter('app').createCounter('app.requests');
    let recorded = 0;
    for (let round = 0; round < 3; round++) {
      for (let u = 0; u < 2500; u++, recorded++) counter.add(1, { 'user.id': `u-${round}-${u}` });
      const text = await (await handle.metricsResponse()).text();
      expect(seriesPerMetric(text).get('app_requests'), `scrape ${round + 1}`).toBe(2000);
      const samples = parseTextFormat(text).families.flatMap((f) => f.samples);
      expect(samples.reduce((sum, s) => sum + (s.name === 'app_requests_total' ? s.value : 0), 0)).toBe(
        recorded,
      );
    }
  });

  it("keep the SDK's cumulative state bounded: the heap stops growing after the limit is reached", async () => {
    const handle = await setupMetrics({ prometheus: { server: false }, views: { cardinalityLimit: 200 } });
    handles.push(handle);
    const meter = handle.meterProvider.getMeter('app');
    const requests = meter.createCounter('app.requests');
    const latency = meter.createHistogram('app.latency');
    const scrape = async (round: number) => {
      for (let u = 0; u < 1000; u++) {
        const attributes = { 'user.id': `user-${round}-${u}`, 'tenant.id': `tenant-${u % 7}` };
        requests.add(1, attributes);
        latency.record(u / 1000, attributes);
      }
      await (await handle.metricsResponse()).text();
    };
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    for (let round = 0; round < 10; round++) await scrape(round);
    const settled = heap();
    for (let round = 10; round < 40; round++) await scrape(round);
    const grown = heap() - settled;
    // 30,000 more attribute sets were recorded: kept, they would hold tens of MB (two metrics, each
    // set's accumulation and its key). Bounded, what remains is noise of the GC and the JIT.
    expect(grown, `heap grew ${(grown / 1e6).toFixed(1)} MB`).toBeLessThan(8e6);
  }, 120_000);
});

describe("the app's own observable instruments", () => {
  it('keep the limit, and their overflow series holds the sum of what overflowed (callback and batch)', async () => {
    const handle = await setupMetrics({ prometheus: { server: false }, views: { cardinalityLimit: 5 } });
    handles.push(handle);
    const meter = handle.meterProvider.getMeter('app');
    const bytes = meter.createObservableCounter('app.bytes');
    const open = meter.createObservableUpDownCounter('app.open');
    const temperature = meter.createObservableGauge('app.temperature');
    let round = 1;
    bytes.addCallback((result) => {
      for (let u = 0; u < 10; u++) result.observe(10 * round, { 'user.id': `u${u}` });
    });
    // An async batch callback: the overflow is observed once its promise settles.
    meter.addBatchObservableCallback(
      async (result) => {
        await Promise.resolve();
        for (let u = 0; u < 10; u++) {
          result.observe(open, round, { 'user.id': `u${u}` });
          result.observe(temperature, u, { 'user.id': `u${u}` });
        }
      },
      [open, temperature],
    );
    for (; round <= 3; round++) {
      const text = await (await handle.metricsResponse()).text();
      const samples = parseTextFormat(text).families.flatMap((f) => f.samples);
      const of = (name: string) => samples.filter((s) => s.name === name);
      for (const name of ['app_bytes_total', 'app_open', 'app_temperature']) {
        expect(of(name), name).toHaveLength(5);
        expect(
          of(name).filter((s) => s.labels.otel_metric_overflow === 'true'),
          name,
        ).toHaveLength(1);
      }
      expect(of('app_bytes_total').reduce((sum, s) => sum + s.value, 0)).toBe(100 * round);
      expect(of('app_open').reduce((sum, s) => sum + s.value, 0)).toBe(10 * round);
      // A gauge's overflow is the last value observed, as the SDK has it: gauges do not add up.
      expect(of('app_temperature').find((s) => s.labels.otel_metric_overflow === 'true')?.value).toBe(9);
    }
  });
});
