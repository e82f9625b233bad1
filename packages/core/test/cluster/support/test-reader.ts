import { AggregationType, MeterProvider, MetricReader, type ViewOptions } from '@opentelemetry/sdk-metrics';

/** A plain pull reader (cumulative, default aggregations): `collect()` gives the SDK's own ResourceMetrics. */
export class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export const BOUNDARIES = [1, 5, 10, 50, 100];

/** A MeterProvider with explicit buckets on `h`, as genAiViews gives the catalogue histograms. */
export function testProvider(): { provider: MeterProvider; reader: TestReader } {
  const reader = new TestReader();
  const views: ViewOptions[] = [
    {
      instrumentName: 'h',
      aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: BOUNDARIES } },
    },
  ];
  return { provider: new MeterProvider({ readers: [reader], views }), reader };
}
