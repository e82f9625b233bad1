import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, type MetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { renderExposition } from '../../src/export/exposition.js';
import { genAiViews } from '../../src/index.js';

/** The one exposition seam renders exactly what the exporter's own request handler writes. */
function exporterOwnText(exporter: PrometheusExporter): Promise<string> {
  return new Promise((resolve) => {
    const res = {
      statusCode: 0,
      setHeader() {},
      end: (body: string) => resolve(body),
    };
    exporter.getMetricsRequestHandler({} as never, res as never);
  });
}

describe('renderExposition', () => {
  for (const options of [
    { withoutScopeInfo: false, withoutTargetInfo: false },
    { withoutScopeInfo: true, withoutTargetInfo: true },
  ]) {
    it(`equals @opentelemetry/exporter-prometheus's own output (${JSON.stringify(options)})`, async () => {
      const exporter = new PrometheusExporter({ preventServerStart: true, ...options });
      const provider = new MeterProvider({
        readers: [exporter as unknown as MetricReader],
        views: genAiViews(),
      });
      const meter = provider.getMeter('t', '1');
      meter.createCounter('requests').add(3, { route: '/a' });
      meter.createHistogram('gen_ai.client.operation.duration', { unit: 's' }).record(0.3, { m: 'x' });
      meter.createUpDownCounter('active').add(-2);
      const own = await exporterOwnText(exporter);
      const { resourceMetrics } = await (exporter as unknown as MetricReader).collect();
      const ours = await renderExposition(resourceMetrics, options);
      expect(ours.body).toBe(own);
      expect(ours.contentType).toBe('text/plain');
      await provider.shutdown();
    });
  }
});
