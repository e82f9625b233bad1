import { afterEach, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';

/**
 * `metricsHandler` takes a framework's minimal response object (writeHead, write and end; no
 * destroy, no events). A scrape that outlives the export timeout is cut off with `res.destroy()` —
 * called from the deadline's timer, where a response without one threw "res.destroy is not a
 * function" as an uncaught exception: the app's process went down over a slow scrape. A response
 * that cannot be cut off now finishes its scrape; the slot is given back at the deadline as before.
 */
const handles: MetricsHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.shutdown()));
});

/** Blocks the event loop for `ms`: a framework whose write does slow synchronous work (logging, copying). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

it('a scrape past the deadline on a response without destroy() finishes, and nothing is thrown', async () => {
  const exportTimeoutMillis = 20;
  const h = await setupMetrics({ prometheus: { server: false }, exportTimeoutMillis });
  handles.push(h);
  // Several chunks of exposition, so that the body is written over several turns of the event loop.
  for (let i = 0; i < 12; i++) {
    h.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: `model-${i}` }).end();
  }
  const thrown: unknown[] = [];
  const onUncaught = (error: unknown) => thrown.push(error);
  process.on('uncaughtException', onUncaught);
  try {
    const answer = await new Promise<{ status: number; body: string }>((resolve) => {
      let status = 0;
      let body = '';
      const res = {
        headersSent: false,
        writeHead(code: number) {
          status = code;
          res.headersSent = true;
          return res;
        },
        write(chunk: string) {
          // Each chunk holds the loop past the scrape's deadline, which so passes mid-body.
          busy(exportTimeoutMillis * 2);
          body += chunk;
          return true;
        },
        end(chunk?: string) {
          resolve({ status, body: body + (chunk ?? '') });
        },
      };
      h.metricsHandler({ method: 'GET', headers: {} } as never, res as never);
    });
    // The deadline timer has had its turn (the body was written over several turns, each past it).
    await new Promise((resolve) => setImmediate(resolve));
    expect(thrown).toEqual([]);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('gen_ai_client_operation_duration_count{');
    expect(answer.body).toContain('model-11');
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});
