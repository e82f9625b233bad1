/**
 * A handler that returns a streamed `Response` (an SSE relay of a model's stream, the AI SDK's
 * `toTextStreamResponse()`) records its operation only while the runtime reads the body — after the
 * handler has returned. A flush started when the handler returns would miss that operation: it would
 * wait for a later invocation, or be lost when the instance is frozen or recycled. So the flush of such
 * an invocation runs when the body has been read to its end, has failed, or was cancelled by the client.
 */
import { detectRuntime } from '../runtime/runtime.js';

/**
 * Whether `value` is a web `Response` with a body nobody has read yet, which may be followed (copied):
 * not one the runtime types only when it sends it (`typedWhenSent`). Read defensively: the value is the
 * caller's (a Proxy or a throwing getter means "no").
 */
export function isUnreadResponse(value: unknown): value is Response {
  const ResponseClass = (globalThis as { Response?: typeof Response }).Response;
  if (ResponseClass === undefined || value === null || typeof value !== 'object') return false;
  try {
    if (!(value instanceof ResponseClass)) return false;
    // Headers before the body: Bun puts a Blob's (or Bun.file's) type in the headers when they are first
    // read, and no longer once the body has been (the copy then went out with no Content-Type).
    void value.headers;
    // Before the body too: in Bun, reading the body of such a Response makes it go out untyped.
    if (typedWhenSent(value)) return false;
    const body = value.body;
    return body !== null && !value.bodyUsed && !body.locked;
  } catch {
    return false;
  }
}

/**
 * Whether `response` carries a Content-Encoding: its body may be bytes the app encoded itself (workerd's
 * `encodeBody: 'manual'`), which a copy cannot say (the option is not readable back), so workerd would
 * encode the copy again and the client would read gzip bytes as the text. Such a Response is never
 * copied. Read defensively, as above.
 */
export function hasContentEncoding(response: Response): boolean {
  try {
    return response.headers.has('content-encoding');
  } catch {
    return true;
  }
}

/**
 * Whether the runtime types `response` by its body when it sends it, which a copy cannot carry: Bun
 * leaves the Content-Type of a string or bytes body out of the headers and adds it at send time
 * (text/plain;charset=utf-8, application/octet-stream), while a copy's stream body goes out untyped — a
 * browser showed UTF-8 text as mojibake. A Response without Content-Type is never copied there (the body
 * it has cannot be told from the outside), nor its body read. Read defensively.
 */
function typedWhenSent(response: Response): boolean {
  if (detectRuntime().kind !== 'bun') return false;
  try {
    return !response.headers.has('content-type');
  } catch {
    return true;
  }
}

/**
 * Whether `response` says it is JSON (`application/json`, `…+json`): an answer built whole, unlike a
 * stream of text or events. Read defensively, as above.
 */
export function isJsonAnswer(response: Response): boolean {
  try {
    const type = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
    return type === 'application/json' || type.endsWith('+json');
  } catch {
    return false;
  }
}

/**
 * A copy of `response` (same status, status text and headers) whose body passes the original's chunks
 * through as they are read, and calls `atEnd` once when the original body ends, fails or is cancelled.
 * The copy's end (close, error or the cancel's completion) is delivered only after `atEnd` settles, so
 * a runtime that freezes the instance once the response is complete cannot freeze it mid-flush.
 * `atEnd` must not reject. The chunks are untouched and read one at a time, as the consumer asks
 * (`highWaterMark: 0`), so back-pressure and timing stay the handler's own.
 */
export function onBodyEnd(response: Response, atEnd: () => Promise<void>): Response {
  let reader!: ReadableStreamDefaultReader<Uint8Array>;
  let ended: Promise<void> | undefined;
  const end = () => {
    ended ??= atEnd();
    return ended;
  };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (error) {
          await end();
          controller.error(error);
          return;
        }
        if (chunk.done) {
          await end();
          controller.close();
        } else {
          controller.enqueue(chunk.value);
        }
      },
      async cancel(reason) {
        try {
          await reader.cancel(reason);
        } finally {
          await end();
        }
      },
    },
    { highWaterMark: 0 },
  );
  const copy = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  // Last, so that the original is left untouched if anything above throws (nothing is read before a pull).
  reader = (response.body as ReadableStream<Uint8Array>).getReader();
  return copy;
}
