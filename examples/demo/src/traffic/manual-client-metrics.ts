import type { GenAiMetrics, Operation } from '@genai-metrics/core';

/**
 * Client-side recording through plain core Operations, for when the OpenAI client is not
 * instrumented by `instrumentOpenAI` (the adapter does exactly this, inside the SDK's own calls).
 */
export interface ClientRecorder {
  start(stream: boolean): Operation | undefined;
}

export function manualClientRecorder(
  genai: GenAiMetrics,
  model: string,
  serverAddress: string,
  serverPort: number,
): ClientRecorder {
  return {
    start: (stream) =>
      genai.startOperation({
        operation: 'chat',
        provider: 'openai',
        requestModel: model,
        serverAddress,
        serverPort,
        stream,
        kind: 'client',
      }),
  };
}

/** Used when the client is instrumented: the adapter records, the demo must not record twice. */
export const NO_RECORDER: ClientRecorder = { start: () => undefined };
