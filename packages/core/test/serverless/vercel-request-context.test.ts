import { AsyncLocalStorage } from 'node:async_hooks';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitUntil as vercelWaitUntil } from '@vercel/functions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withMetricsFlush } from '../../src/index.js';
import { useServerlessReceiver } from '../support/serverless-receiver.js';

/**
 * On Vercel a function handler gets no execution context among its arguments (`GET(request)`,
 * `fetch(request)`, `(req, res)`): the runtime keeps the current request's context under
 * `Symbol.for('@vercel/request-context')` (`{ get() }`, answering per request through async context),
 * which `@vercel/functions`' `waitUntil` reads. The Vercel runtime itself cannot run here, so the test
 * runs a small HTTP server that does what it does: each request runs the handler inside its own
 * context, the response is sent, then what was handed to `waitUntil` is awaited before the request is
 * done. The handler, the real `@vercel/functions` and a real OTLP receiver are the parts under test.
 */

const SYMBOL = Symbol.for('@vercel/request-context');

interface Invocation {
  waitUntil(promise: Promise<unknown>): void;
  handed: Promise<unknown>[];
}

const requests = new AsyncLocalStorage<Invocation>();
const used = useServerlessReceiver({ protocol: 'http/json', timeoutMillis: 1_000 });
let server: Server | undefined;
/** The invocations the runtime served, in order. */
const served: Invocation[] = [];

beforeAll(() => {
  (globalThis as Record<symbol, unknown>)[SYMBOL] = { get: () => requests.getStore() };
});

afterEach(async () => {
  used.receiver.behaviour = { mode: 'accept' };
  server?.close();
  server = undefined;
});

afterAll(() => {
  delete (globalThis as Record<symbol, unknown>)[SYMBOL];
});

/** Serves `handler` as Vercel's runtime does (see the file comment); resolves with its URL. */
async function vercelLike(handler: (request: Request) => Promise<Response>): Promise<string> {
  server = createServer((req, res) => {
    const invocation: Invocation = {
      handed: [],
      waitUntil(promise) {
        this.handed.push(promise);
      },
    };
    served.push(invocation);
    const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method });
    void requests.run(invocation, async () => {
      const response = await handler(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

function recordChat(model: string): void {
  const op = used.metrics.genai.startOperation({
    operation: 'chat',
    provider: 'openai',
    requestModel: model,
  });
  op.end();
}

const countFor = (model: string) => used.receiver.operationCount(model);

describe('withMetricsFlush on Vercel (the request context, no context argument)', () => {
  it('sends the response first and hands the flush to the request context’s waitUntil', async () => {
    let release!: () => void;
    used.receiver.behaviour = { mode: 'hold', until: new Promise<void>((r) => (release = r)) };
    const url = await vercelLike(
      withMetricsFlush(used.metrics, async (_request: Request) => {
        recordChat('vercel-fetch');
        return new Response('answer');
      }),
    );
    // The receiver holds the export: an awaited flush would keep the response until the 2 s bound,
    // and hand nothing to waitUntil (the function could then be frozen mid-export).
    const response = await fetch(url);
    expect(await response.text()).toBe('answer');
    const invocation = served.at(-1) as Invocation;
    expect(invocation.handed).toHaveLength(1);
    expect(countFor('vercel-fetch')).toBe(0);
    release();
    await expect(invocation.handed[0]).resolves.toBeUndefined();
    expect(countFor('vercel-fetch')).toBe(1);
  });

  it('work handed to @vercel/functions’ waitUntil is flushed once it settles', async () => {
    let finish!: () => void;
    const url = await vercelLike(
      withMetricsFlush(used.metrics, async (_request: Request) => {
        vercelWaitUntil(new Promise<void>((r) => (finish = r)).then(() => recordChat('vercel-background')));
        return new Response('at once');
      }),
    );
    expect(await (await fetch(url)).text()).toBe('at once');
    const invocation = served.at(-1) as Invocation;
    // The handler's own promise, the flush at return, and one more after the handler's work.
    expect(invocation.handed).toHaveLength(3);
    finish();
    await Promise.all(invocation.handed);
    expect(countFor('vercel-background')).toBe(1);
  });

  it('a request context that is absent, throws or has no waitUntil: the flush is awaited', async () => {
    const readers: unknown[] = [
      undefined,
      { get: () => undefined },
      {
        get() {
          throw new Error('no request');
        },
      },
      { get: () => ({ waitUntil: 'not a function' }) },
      new Proxy(
        {},
        {
          get() {
            throw new Error('hostile');
          },
        },
      ),
    ];
    const registry = globalThis as Record<symbol, unknown>;
    const own = registry[SYMBOL];
    try {
      for (const [i, reader] of readers.entries()) {
        registry[SYMBOL] = reader;
        const handler = withMetricsFlush(used.metrics, async () => {
          recordChat(`vercel-absent-${i}`);
          return i;
        });
        await expect(handler()).resolves.toBe(i);
        // Awaited: the export has arrived when the invocation resolves.
        expect(countFor(`vercel-absent-${i}`)).toBe(1);
      }
    } finally {
      registry[SYMBOL] = own;
    }
  });
});
