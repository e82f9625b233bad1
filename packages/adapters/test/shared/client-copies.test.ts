import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { captureDiag } from './diag.js';
import { ACTIVE, DURATION, metricsPipeline, tokenSums } from './harness.js';
import { HTTP_SDKS } from './http-sdks.js';
import { useServer } from './lifecycle.js';

/**
 * `client.withOptions({...})` (openai 5+, @anthropic-ai/sdk) makes a new client instance from an
 * instrumented one, a common way to set a timeout, retries or headers for a part of an app. Its calls
 * must be recorded like the parent's — once each, with the options the parent was instrumented with
 * and the copy's own server — and undoing the parent's instrumentation must stop the copies too.
 */
describe.each(HTTP_SDKS.filter((s) => s.hasWithOptions))(
  '$name: withOptions() copies of an instrumented client',
  (sdk) => {
    const server = useServer(sdk.start);
    const other = useServer(sdk.start);

    it('every copy (and a copy of a copy) records its calls once, with its own server; the parent is unchanged', async () => {
      const { harness, metrics } = metricsPipeline();
      const parent = new sdk.Client({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 });
      sdk.instrument(parent, metrics);
      const copy = parent.withOptions({ timeout: 5_000 });
      expect(copy).not.toBe(parent);
      expect(copy.constructor).toBe(parent.constructor);
      const moved = copy.withOptions({ baseURL: other().baseURL });
      await sdk.create(parent, 'parent');
      await sdk.create(copy, 'copy');
      await sdk.create(moved, 'moved');
      const m = await harness.collect();
      for (const model of ['parent', 'copy']) {
        expect(
          m.histogram(DURATION, { 'gen_ai.request.model': model, 'server.port': server().port }).count,
        ).toBe(1);
        expect(tokenSums(m, { 'gen_ai.request.model': model }).count).toBe(2);
      }
      expect(
        m.histogram(DURATION, { 'gen_ai.request.model': 'moved', 'server.port': other().port }).count,
      ).toBe(1);
      expect(m.count(DURATION)).toBe(3);
      expect(m.sum(ACTIVE)).toBe(0);
      await harness.shutdown();
    });

    it("undoing the parent's instrumentation stops its copies, made before or after", async () => {
      const { harness, metrics } = metricsPipeline();
      const parent = new sdk.Client({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 });
      sdk.instrument(parent, metrics);
      const before = parent.withOptions({ maxRetries: 1 });
      expect(sdk.uninstrument(parent)).toBe(true);
      const after = parent.withOptions({ maxRetries: 1 });
      await sdk.create(before, 'before');
      await sdk.create(after, 'after');
      await sdk.create(parent, 'parent');
      expect((await harness.collect()).count(DURATION)).toBe(0);
      // Instrumenting the parent afresh covers its copies again, once; a silenced copy can be
      // instrumented on its own, and undoing a copy leaves its parent recording.
      sdk.instrument(parent, metrics);
      await sdk.create(parent.withOptions({}), 'again');
      sdk.instrument(before, metrics);
      await sdk.create(before, 'before');
      const copy = parent.withOptions({});
      expect(sdk.uninstrument(copy)).toBe(true);
      await sdk.create(copy, 'undone');
      await sdk.create(parent, 'parent');
      const m = await harness.collect();
      expect(m.count(DURATION)).toBe(3);
      expect(m.count(DURATION, { 'gen_ai.request.model': 'undone' })).toBe(0);
      await harness.shutdown();
    });

    it('a frozen client: its own calls are recorded, a warning says its copies are not', async () => {
      const { harness, metrics } = metricsPipeline();
      const log = captureDiag();
      try {
        const client = Object.freeze(
          new sdk.Client({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 }),
        );
        sdk.instrument(client, metrics);
        expect(log.warnings.some((w) => w.includes('could not patch withOptions'))).toBe(true);
        await sdk.create(client, 'frozen');
        await sdk.create(client.withOptions({}), 'copy');
        expect((await harness.collect()).count(DURATION)).toBe(1);
      } finally {
        log.restore();
        await harness.shutdown();
      }
    });

    // A chain of copies (`c = c.withOptions(…)` per request) must not keep every earlier copy alive, as
    // the bare SDK does not: a copy is tied to the instrumented client, not to the copy it came from.
    it('a copy of a copy does not keep the copy between them alive, and still stops with the parent', async () => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const { harness, metrics } = metricsPipeline();
      const parent = new sdk.Client({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 });
      sdk.instrument(parent, metrics);
      const { last, between } = (() => {
        const middle = parent.withOptions({ maxRetries: 1 });
        return { last: middle.withOptions({ timeout: 5_000 }), between: new WeakRef(middle) };
      })();
      // deref() keeps its target alive to the end of the current job: never in the job that collects.
      const tick = () => new Promise((r) => setTimeout(r, 10));
      for (let i = 0; i < 20; i++) {
        gc();
        await tick();
        if (between.deref() === undefined) break;
        await tick();
      }
      expect(between.deref()).toBeUndefined();
      await sdk.create(last, 'last');
      sdk.uninstrument(parent);
      await sdk.create(last, 'after');
      const m = await harness.collect();
      expect(m.count(DURATION, { 'gen_ai.request.model': 'last' })).toBe(1);
      expect(m.count(DURATION)).toBe(1);
      await harness.shutdown();
    });

    // The docs once said to instrument a copy yourself: such an explicit call (its own metrics or
    // provider, say) must take over from what the copy inherited, not be ignored as a second call.
    it('instrumenting a copy yourself replaces what it inherited: its own options, independent of the parent', async () => {
      const inherited = metricsPipeline();
      const own = metricsPipeline();
      const log = captureDiag();
      try {
        const parent = new sdk.Client({ apiKey: 't', baseURL: server().baseURL, maxRetries: 0 });
        sdk.instrument(parent, inherited.metrics);
        const copy = parent.withOptions({ timeout: 5_000 });
        sdk.instrument(copy, own.metrics);
        expect(log.warnings.filter((w) => w.includes('already called'))).toEqual([]);
        await sdk.create(copy, 'copy');
        sdk.uninstrument(parent);
        await sdk.create(copy, 'copy');
        expect((await inherited.harness.collect()).count(DURATION)).toBe(0);
        expect((await own.harness.collect()).count(DURATION, { 'gen_ai.request.model': 'copy' })).toBe(2);
      } finally {
        log.restore();
        await inherited.harness.shutdown();
        await own.harness.shutdown();
      }
    });
  },
);
