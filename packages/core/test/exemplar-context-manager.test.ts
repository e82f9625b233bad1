import { MetricsHarness } from '@genai-metrics/testkit';
import { context, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { DataPoint } from '@opentelemetry/sdk-metrics';
import { AlwaysOnSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, expect, it } from 'vitest';
import type { Exemplar } from '../src/exemplar/exemplar.js';
import { createGenAiMetrics, GenAiMetricProducer, genAiViews } from '../src/index.js';

/**
 * Without a registered context manager no span can be active, so an operation skips the OTel API's
 * context lookup (exemplar/filter.ts). That shortcut must follow the app's registrations as they
 * happen: a tracing SDK started after our setup, stopped, and started again.
 */
const DURATION = 'gen_ai.client.operation.duration';
const tracer: Tracer = new BasicTracerProvider({ sampler: new AlwaysOnSampler() }).getTracer('t');
let harness: MetricsHarness | undefined;
afterEach(async () => {
  context.disable();
  await harness?.shutdown();
});

function inSpan<T>(fn: (span: Span) => T): T {
  return tracer.startActiveSpan('request', (span) => {
    try {
      return fn(span);
    } finally {
      span.end();
    }
  });
}

it('follows the context manager the app registers, unregisters and registers again after setup', async () => {
  context.disable(); // no manager registered by an earlier test file in this worker
  const producer = new GenAiMetricProducer();
  harness = new MetricsHarness({ views: genAiViews(), metricProducers: [producer] });
  const genai = createGenAiMetrics({ meterProvider: harness.meterProvider, producer, semconv: 'v1.41' });
  const operationIn = (model: string) =>
    inSpan((span) => {
      genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: model }).end();
      return span.spanContext().spanId;
    });

  operationIn('before');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const first = operationIn('registered');
  context.disable();
  operationIn('unregistered');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const second = operationIn('registered-again');

  const m = await harness.collect();
  const spanIds = (model: string) =>
    m
      .points(DURATION, { 'gen_ai.request.model': model })
      .flatMap((p: DataPoint<unknown>) =>
        ((p as { exemplars?: Exemplar[] }).exemplars ?? []).map((e) => e.spanId),
      );
  expect(spanIds('before')).toEqual([]);
  expect(spanIds('registered')).toEqual([first]);
  expect(spanIds('unregistered')).toEqual([]);
  expect(spanIds('registered-again')).toEqual([second]);
});
