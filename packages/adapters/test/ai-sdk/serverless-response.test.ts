import { type MetricsHandle, setupMetrics, withMetricsFlush } from '@genai-metrics/core';
import { type OpenAIServer, OtlpReceiver, startOpenAIServer } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genAiMiddleware } from '../../src/ai-sdk/index.js';
import { AI_SDKS } from './sdks.js';

/**
 * A serverless handler that answers with `streamText(…).toTextStreamResponse()` (or the UI message
 * stream), wrapped by withMetricsFlush: ai starts the model call only after the handler has returned
 * the Response (after awaits of its own), so no operation is running yet at return. The invocation's
 * flush must still carry it: once the client has read the body, the operation has arrived. Real `ai`
 * (6 and 7) with the real `@ai-sdk/openai` against the testkit's server; a real OTLP receiver.
 */
let server: OpenAIServer;
let receiver: OtlpReceiver;
let metrics: MetricsHandle;

beforeAll(async () => {
  server = await startOpenAIServer({ promptTokens: 7 });
  receiver = await OtlpReceiver.start('http');
  metrics = await setupMetrics({
    serverless: true,
    otlp: { protocol: 'http/json', url: receiver.metricsEndpoint },
  });
});

afterAll(async () => {
  await metrics?.shutdown().catch(() => undefined);
  await receiver?.stop();
  await server?.close();
});

const pointsOf = (model: string) => receiver.operationPoints(model);

describe.each(AI_SDKS)('$name', (sdk) => {
  it.each(['toTextStreamResponse', 'toUIMessageStreamResponse'] as const)(
    '%s: the operation arrives with the invocation’s own flush, at the body’s end',
    async (method) => {
      const name = `${sdk.name}-${method}`.replace(/\s/g, '-');
      server.enqueue({ chunks: 3 });
      const model = sdk.ai.wrapLanguageModel({
        model: sdk.openai(server.baseURL).chat(name),
        middleware: genAiMiddleware({ metrics: metrics.genai }),
      });
      const handler = withMetricsFlush(metrics, async (_request: Request) =>
        sdk.ai.streamText({ model, prompt: 'hello' })[method](),
      );
      const response: Response = await handler(new Request('http://function.test/'));
      const body = await response.text();
      expect(body).toContain('tok2');
      // The body's end is delivered after the flush (no execution context): nothing to wait for.
      expect(pointsOf(name).map((p) => p.count)).toEqual([1]);
    },
  );
});
