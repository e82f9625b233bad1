import { OtlpReceiver } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics, withMetricsFlush } from '../../src/index.js';

/**
 * A handler that returns a streamed Response (an SSE relay of a model's stream) records its operation
 * while the runtime reads the body, after the handler returned. The invocation's flush must carry it:
 * run when the body has ended (handed to waitUntil, or before the body's end is delivered), not when
 * the handler returned. Real OTLP/HTTP receiver on 127.0.0.1, serverless mode (delta, no timer).
 */

const DURATION = 'gen_ai.client.operation.duration';
const encoder = new TextEncoder();

let receiver: OtlpReceiver;
let metrics: MetricsHandle;

beforeAll(async () => {
  receiver = await OtlpReceiver.start('http');
  metrics = await setupMetrics({
    serverless: true,
    otlp: { protocol: 'http/json', url: receiver.metricsEndpoint, timeoutMillis: 5_000 },
  });
});

afterAll(async () => {
  await metrics?.shutdown().catch(() => undefined);
  await receiver?.stop();
});

/** Operations of `model` received so far (delta points: their counts add up). */
function countFor(model: string): number {
  return receiver
    .acceptedPoints()
    .filter((p) => p.metric === DURATION && p.attributes['gen_ai.request.model'] === model)
    .reduce((sum, p) => sum + (p.count ?? 0), 0);
}

/**
 * A Response streaming three chunks, each pulled after a macrotask (as a network stream would be), whose
 * operation ends when the stream does — or fails when the stream errors, or ends when the client cancels.
 */
function streamedResponse(model: string, options: { errorAtEnd?: Error } = {}) {
  const op = metrics.genai.startOperation({
    operation: 'chat',
    provider: 'openai',
    requestModel: model,
    stream: true,
  });
  let sent = 0;
  const cancelled: unknown[] = [];
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (sent < 3) {
        sent++;
        op.chunk();
        controller.enqueue(encoder.encode(`data: ${sent}\n\n`));
      } else if (options.errorAtEnd) {
        op.fail(options.errorAtEnd);
        controller.error(options.errorAtEnd);
      } else {
        op.setUsage({ inputTokens: 2, outputTokens: 3 });
        op.end();
        controller.close();
      }
    },
    cancel(reason) {
      cancelled.push(reason);
      op.end();
    },
  });
  const response = new Response(body, {
    status: 201,
    statusText: 'Streaming',
    headers: { 'content-type': 'text/event-stream', 'x-app': 'kept' },
  });
  return { response, cancelled };
}

class Context {
  readonly handed: Promise<unknown>[] = [];
  waitUntil(promise: Promise<unknown>): void {
    this.handed.push(promise);
  }
}

describe('withMetricsFlush and a streamed Response', () => {
  it('with waitUntil: the flush handed over runs after the body has ended and carries the stream’s operation', async () => {
    const ctx = new Context();
    const handler = withMetricsFlush(metrics, async (_request: unknown, _ctx: Context) => {
      return streamedResponse('ctx-stream').response;
    });
    const response = await handler({}, ctx);
    expect(ctx.handed).toHaveLength(1);
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Streaming');
    expect(response.headers.get('x-app')).toBe('kept');
    expect(await response.text()).toBe('data: 1\n\ndata: 2\n\ndata: 3\n\n');
    await expect(ctx.handed[0]).resolves.toBeUndefined();
    expect(countFor('ctx-stream')).toBe(1);
  });

  it('without a context: the body’s end is delivered after the flush, so the operation has arrived when the body is read', async () => {
    const accepted = receiver.acceptedCount();
    const handler = withMetricsFlush(metrics, async () => streamedResponse('plain-stream').response);
    const response = await handler();
    expect(await response.text()).toBe('data: 1\n\ndata: 2\n\ndata: 3\n\n');
    expect(countFor('plain-stream')).toBe(1);
    // One flush for the invocation, at the body's end (not one when the handler returned as well).
    expect(receiver.acceptedCount()).toBe(accepted + 1);
    // Exactly once: a later flush does not send it again.
    await metrics.forceFlush();
    expect(countFor('plain-stream')).toBe(1);
  });

  it('a client that cancels the body: the cancel reaches the handler’s stream, then the flush runs', async () => {
    const ctx = new Context();
    let cancelled: unknown[] = [];
    const handler = withMetricsFlush(metrics, async (_ctx: Context) => {
      const streamed = streamedResponse('cancelled-stream');
      cancelled = streamed.cancelled;
      return streamed.response;
    });
    const response = await handler(ctx);
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: 1\n\n');
    const reason = new Error('client went away');
    await reader.cancel(reason);
    expect(cancelled).toEqual([reason]);
    await ctx.handed[0];
    expect(countFor('cancelled-stream')).toBe(1);
  });

  it('a body that errors: the reader gets the handler’s own error, after the failed operation was flushed', async () => {
    const boom = new Error('upstream reset');
    const handler = withMetricsFlush(
      metrics,
      async () => streamedResponse('errored-stream', { errorAtEnd: boom }).response,
    );
    const response = await handler();
    await expect(response.text()).rejects.toBe(boom);
    expect(countFor('errored-stream')).toBe(1);
  });

  it('a Response built after every operation ended comes back as the very same object, flushed before it returns', async () => {
    const op = metrics.genai.startOperation({
      operation: 'chat',
      provider: 'openai',
      requestModel: 'json-answer',
    });
    const built = Response.json({ answer: 'tok0' });
    const handler = withMetricsFlush(metrics, async () => {
      op.setUsage({ inputTokens: 2, outputTokens: 3 });
      op.end();
      return built;
    });
    const response = await handler();
    // Not a copy: the body (and the length the runtime sends with it) stays the handler's own.
    expect(response).toBe(built);
    expect(countFor('json-answer')).toBe(1);
    expect(await response.json()).toEqual({ answer: 'tok0' });
  });

  it('a Response returned while another invocation’s operation runs is a copy, intact, flushed at its body’s end', async () => {
    // One count for the whole instance (a handler cannot tell whose operation runs without async
    // context): while a concurrent invocation streams, a finished JSON answer is followed like a stream.
    const other = metrics.genai.startOperation({
      operation: 'chat',
      provider: 'openai',
      requestModel: 'other',
    });
    try {
      const built = Response.json({ answer: 'tok0' }, { headers: { 'x-app': 'kept' } });
      const handler = withMetricsFlush(metrics, async () => {
        const op = metrics.genai.startOperation({
          operation: 'chat',
          provider: 'openai',
          requestModel: 'json-beside',
        });
        op.end();
        return built;
      });
      const response = await handler();
      expect(response).not.toBe(built);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-app')).toBe('kept');
      expect(await response.json()).toEqual({ answer: 'tok0' });
      expect(countFor('json-beside')).toBe(1);
    } finally {
      other.end();
    }
  });

  it('a streamed Response whose operation starts only as the body is read is followed too', async () => {
    // As the AI SDK's toTextStreamResponse(): nothing runs yet when the handler returns the Response.
    const handler = withMetricsFlush(metrics, async () => {
      let op: ReturnType<typeof metrics.genai.startOperation> | undefined;
      const body = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            op ??= metrics.genai.startOperation({
              operation: 'chat',
              provider: 'openai',
              requestModel: 'lazy',
            });
            await new Promise((resolve) => setTimeout(resolve, 5));
            op.end();
            controller.enqueue(encoder.encode('all of it'));
            controller.close();
          },
        },
        { highWaterMark: 0 },
      );
      return new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
    });
    const response = await handler();
    expect(await response.text()).toBe('all of it');
    expect(countFor('lazy')).toBe(1);
  });

  it('a Response without a body comes back as the very same object', async () => {
    const empty = new Response(null, { status: 204 });
    const handler = withMetricsFlush(metrics, async () => empty);
    await expect(handler()).resolves.toBe(empty);
  });
});
