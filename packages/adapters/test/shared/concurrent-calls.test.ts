import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIVE, DURATION, metricsPipeline } from './harness.js';
import { HTTP_SDKS, type HttpSdk } from './http-sdks.js';
import { collectAfterCollections, useServer } from './lifecycle.js';

/**
 * One instrumented client shared by many calls in flight at once, each ending its own way — read to
 * the end, broken out of, aborted before the answer or midway, aborted after it ended, left half-read,
 * read through asResponse() — in an order fast-check picks: every call is recorded exactly once, with
 * the outcome its own ending gives, and `llm.requests.active` comes back to 0. Calls share the client,
 * its resources and the stream machinery, so one call's end must never settle another's.
 */
type Plan =
  | 'await'
  | 'stream'
  | 'break'
  | 'abortEarly'
  | 'abortMidway'
  | 'abortAfter'
  | 'leave'
  | 'asResponse';
const PLANS: readonly Plan[] = [
  'await',
  'stream',
  'break',
  'abortEarly',
  'abortMidway',
  'abortAfter',
  'leave',
  'asResponse',
];
/** What each plan records: completed (no error.type) or cancelled. */
const CANCELLED: ReadonlySet<Plan> = new Set(['break', 'abortEarly', 'abortMidway', 'leave']);

/**
 * Drives one call to the end its plan names; errors are the plan's own (aborts), never checked here.
 * Resolves `'whole'` when an abort midway came too late: on a loaded machine the SDK can have the whole
 * answer buffered by the second chunk, and then it reads on to the end without looking at the signal,
 * so the caller got the complete answer and the call is rightly recorded as completed.
 */
async function drive(
  sdk: HttpSdk,
  client: object,
  model: string,
  plan: Plan,
  /** How many items a whole stream yields. */
  whole: number,
): Promise<'whole' | undefined> {
  const controller = new AbortController();
  const { signal } = controller;
  const chunks = async (stop: (n: number) => boolean) => {
    let n = 0;
    for await (const _ of await sdk.create(client, model, true, signal)) if (stop(++n)) break;
    return n;
  };
  switch (plan) {
    case 'await':
      await sdk.create(client, model, false, signal);
      return;
    case 'stream':
      await chunks(() => false);
      return;
    case 'break':
      await chunks((n) => n === 2);
      return;
    case 'abortEarly': {
      const call = sdk.create(client, model, false, signal);
      queueMicrotask(() => controller.abort());
      await call;
      return;
    }
    case 'abortMidway': {
      // The SDKs end an aborted stream quietly, so only the count tells a whole answer from a cut one.
      const read = await chunks((n) => {
        if (n === 2) controller.abort();
        return false;
      });
      return read >= whole ? 'whole' : undefined;
    }
    case 'abortAfter':
      await chunks(() => false);
      controller.abort();
      return;
    case 'leave': {
      // One chunk read, then the iterator is dropped without return(): the garbage collector tells.
      await (await sdk.create(client, model, true, signal))[Symbol.asyncIterator]().next();
      return;
    }
    case 'asResponse':
      await (await sdk.create(client, model, true, signal).asResponse()).text();
      return;
  }
}

describe.each(HTTP_SDKS)('$name: many calls in flight on one client', (sdk) => {
  const server = useServer(sdk.start);

  it('each is recorded once, with its own outcome; none is left active', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...PLANS), { minLength: 8, maxLength: 24 }),
        async (plans) => {
          const { harness, metrics } = metricsPipeline();
          server().defaults = { chunks: 5, chunkDelayMs: 2 };
          const client = new sdk.Client({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 });
          sdk.instrument(client, metrics);
          // A whole stream's item count, read on a client of its own that is not instrumented.
          const bare = new sdk.Client({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 });
          let whole = 0;
          for await (const _ of await sdk.create(bare, 'whole', true)) whole++;
          const ends = await Promise.all(
            plans.map((plan, i) => drive(sdk, client, `${plan}-${i}`, plan, whole).catch(() => undefined)),
          );
          const m = await collectAfterCollections(harness);
          expect(m.sum(ACTIVE)).toBe(0);
          expect(m.count(DURATION)).toBe(plans.length);
          plans.forEach((plan, i) => {
            const model = `${plan}-${i}`;
            expect(m.count(DURATION, { 'gen_ai.request.model': model })).toBe(1);
            const cancelled = m.count(DURATION, { 'gen_ai.request.model': model, 'error.type': 'cancelled' });
            expect(cancelled, model).toBe(CANCELLED.has(plan) && ends[i] !== 'whole' ? 1 : 0);
          });
          await harness.shutdown();
        },
      ),
      { numRuns: 4 },
    );
  }, 60_000);
});
