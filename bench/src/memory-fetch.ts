/**
 * An in-memory `fetch` for the SDK benchmarks: no sockets, so the figures are the SDK's own cost plus
 * the instrumentation's. A request whose body asks for a stream gets the server-sent events, one
 * network chunk per event as a server sends them (one big buffer would make the SDK's SSE splitter
 * copy the remainder per event and dominate the figures); any other request gets the JSON answer.
 */
export interface MemoryApi {
  /** The non-streamed answer. */
  json: unknown;
  /** Each event's text, `event:` and `data:` lines included, without the blank line that ends it. */
  events: readonly string[];
  /** Response headers besides the content type (request ids). */
  headers: Record<string, string>;
}

/** The non-streamed chat completion the OpenAI benches answer with (model, usage, finish reason). */
export const CHAT_COMPLETION = {
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-bench-2025',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
};

export function memoryFetch(api: MemoryApi): (url: unknown, init?: { body?: unknown }) => Promise<Response> {
  const encoder = new TextEncoder();
  const answer = encoder.encode(JSON.stringify(api.json));
  const chunks = api.events.map((e) => encoder.encode(`${e}\n\n`));
  const stream = () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(c);
        controller.close();
      },
    });
  const headers = (type: string) => ({ 'content-type': type, ...api.headers });
  return async (_url, init) =>
    typeof init?.body === 'string' && init.body.includes('"stream":true')
      ? new Response(stream(), { status: 200, headers: headers('text/event-stream') })
      : new Response(answer, { status: 200, headers: headers('application/json') });
}
