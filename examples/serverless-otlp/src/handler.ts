import { setupMetrics, withMetricsFlush } from '@genai-metrics/core';

/**
 * The function's module. Serverless mode: OTLP push (endpoint and protocol from the standard
 * OTEL_EXPORTER_OTLP_* variables), delta temporality, no listener, no timer — every invocation's
 * metrics are flushed by withMetricsFlush before its result is returned.
 */
const metrics = await setupMetrics({ serverless: true, serviceName: 'serverless-otlp-example' });

export interface Event {
  prompt: string;
}

export const handler = withMetricsFlush(metrics, async (event: Event) => {
  const op = metrics.genai.startOperation({
    operation: 'chat',
    provider: 'example',
    requestModel: 'echo-1',
    stream: true,
  });
  try {
    if (event.prompt === '') throw new Error('empty prompt');
    let text = '';
    for await (const word of echoModel(event.prompt)) {
      op.chunk();
      text += word;
    }
    op.setUsage({ inputTokens: event.prompt.split(' ').length, outputTokens: text.split(' ').length });
    op.end();
    return { statusCode: 200, body: text };
  } catch (error) {
    op.fail(error);
    throw error;
  }
});

/** Stands in for a streamed model call: one word every few milliseconds. */
async function* echoModel(prompt: string): AsyncGenerator<string> {
  for (const [i, word] of prompt.split(' ').entries()) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    yield i === 0 ? word : ` ${word}`;
  }
}
