import { expect, it } from 'vitest';
import { withMetricsFlush } from '../../src/index.js';
import { useServerlessReceiver } from '../support/serverless-receiver.js';

/**
 * AWS Lambda passes `(event, context)`, the context telling the time left with
 * `getRemainingTimeInMillis()`. A flush awaited past it makes Lambda end a successful invocation as
 * "Task timed out": the wait must end before the deadline, whatever `flushTimeoutMillis` says. The
 * Lambda runtime does not run here; the context has its shape (the Node.js runtime's documented one),
 * the receiver is a real OTLP/HTTP one that holds the export.
 */
const used = useServerlessReceiver(
  { protocol: 'http/json', timeoutMillis: 60_000 },
  { exportTimeoutMillis: 60_000 },
);

function lambdaContext(msLeft: number) {
  const deadline = Date.now() + msLeft;
  return {
    functionName: 'chat',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/** Resolves with the invocation's value, or 'still waiting' if it is still held after 10 s. */
function settledOrHeld<T>(invocation: Promise<T>): Promise<T | 'still waiting'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const held = new Promise<'still waiting'>((resolve) => {
    timer = setTimeout(() => resolve('still waiting'), 10_000);
  });
  return Promise.race([invocation, held]).finally(() => clearTimeout(timer));
}

it.each([
  ['near its deadline', 300],
  ['past its deadline', 0],
])('an invocation %s returns its result without waiting for a held export', async (_when, msLeft) => {
  let release!: () => void;
  used.receiver.behaviour = { mode: 'hold', until: new Promise<void>((r) => (release = r)) };
  try {
    const handler = withMetricsFlush(
      used.metrics,
      async (_event: unknown, _context: ReturnType<typeof lambdaContext>) => {
        const op = used.metrics.genai.startOperation({
          operation: 'chat',
          provider: 'openai',
          requestModel: 'm',
        });
        op.end();
        return { statusCode: 200 };
      },
      { flushTimeoutMillis: 60_000 },
    );
    // flushTimeoutMillis alone would keep the invocation for a minute, well past Lambda's deadline.
    await expect(settledOrHeld(handler({}, lambdaContext(msLeft)))).resolves.toEqual({ statusCode: 200 });
  } finally {
    release();
    used.receiver.behaviour = { mode: 'accept' };
  }
});

it('an invocation far from its deadline still waits for its export (flushTimeoutMillis)', async () => {
  const handler = withMetricsFlush(used.metrics, async (_event: unknown, _context: object) => {
    const op = used.metrics.genai.startOperation({
      operation: 'chat',
      provider: 'openai',
      requestModel: 'far',
    });
    op.end();
  });
  await handler({}, lambdaContext(900_000));
  expect(used.receiver.operationPoints('far')).toHaveLength(1);
});

it('a context whose getRemainingTimeInMillis throws or lies is no deadline', async () => {
  const contexts = [
    {
      getRemainingTimeInMillis() {
        throw new Error('no');
      },
    },
    { getRemainingTimeInMillis: () => Number.NaN },
    Object.defineProperty({}, 'getRemainingTimeInMillis', {
      get() {
        throw new Error('hostile');
      },
    }),
  ];
  for (const context of contexts) {
    await expect(
      withMetricsFlush(used.metrics, async (_e: unknown, _c: object) => 'ok')({}, context),
    ).resolves.toBe('ok');
  }
});
