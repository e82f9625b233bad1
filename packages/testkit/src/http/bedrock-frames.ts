import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { SseEvent } from './scripted-server.js';

/**
 * Amazon Bedrock's streaming wire format (`invoke-with-response-stream`): AWS EventStream binary
 * frames, encoded by Smithy's own codec (what the AWS SDKs decode with). Each Anthropic event is a
 * `chunk` frame whose JSON body holds the event's JSON, base64-encoded, in `bytes`; an `error` event
 * becomes an `exception` frame named by its error type (`throttlingException`, …), as Bedrock sends
 * its stream errors.
 */
export const EVENTSTREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const header = (value: string) => ({ type: 'string' as const, value });

/** The same events as Bedrock frames: `events` are SSE events whose data is one JSON line. */
export function toBedrockFrames(events: SseEvent[]): SseEvent[] {
  return events.map((e) => ({ ...e, text: toBedrockFrame(String(e.text)) }));
}

function toBedrockFrame(sseText: string): Uint8Array {
  const data = /^data: (.*)$/m.exec(sseText)?.[1] ?? '{}';
  const event = JSON.parse(data) as { type?: unknown; error?: { type?: unknown; message?: unknown } };
  if (event.type === 'error') {
    return codec.encode({
      headers: {
        ':message-type': header('exception'),
        ':exception-type': header(String(event.error?.type ?? 'internalServerException')),
        ':content-type': header('application/json'),
      },
      body: fromUtf8(JSON.stringify({ message: String(event.error?.message ?? 'stream failed') })),
    });
  }
  return codec.encode({
    headers: {
      ':message-type': header('event'),
      ':event-type': header('chunk'),
      ':content-type': header('application/json'),
    },
    body: fromUtf8(JSON.stringify({ bytes: Buffer.from(data).toString('base64') })),
  });
}
