import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureDiag } from '../shared/diag.js';
import { metricsPipeline } from '../shared/harness.js';
import { throwingBackends } from './backends.js';
import { type AdapterTarget, CASES } from './cases.js';

/**
 * The adapter contract (src/shared), checked the same way on every adapter against its real target:
 * one rule for a second call, one way to undo, one option vocabulary, and a metrics backend that
 * throws never reaching the app.
 */
describe.each(CASES)('adapter contract: $name', (c) => {
  let t: AdapterTarget;
  let originals: unknown[];
  let bare: unknown;
  beforeAll(async () => {
    t = await c.start();
    originals = t.patched();
    bare = await t.call();
  }, 120_000);
  afterAll(() => t?.close());
  afterEach(() => {
    t.uninstrument();
  });

  it('a second call returns the same thing, wraps nothing twice, and warns once when its options differ', async () => {
    const { harness, metrics } = metricsPipeline();
    const log = captureDiag();
    try {
      const first = t.instrument({ metrics });
      const wrapped = t.patched();
      expect(wrapped).not.toEqual(originals);
      expect(t.instrument({ metrics })).toBe(first);
      expect(log.warnings).toEqual([]);
      expect(t.instrument({ metrics, providerName: 'other' })).toBe(first);
      expect(t.instrument({ metrics, providerName: 'another' })).toBe(first);
      expect(log.warnings.filter((w) => w.includes('already called'))).toHaveLength(1);
      expect(t.patched()).toEqual(wrapped);
      expect(await t.call()).toEqual(bare);
      const m = await harness.collect();
      expect(m.count(t.metric)).toBe(t.opsPerCall);
      // The first call's options stay in force.
      expect(m.points(t.metric).every((p) => p.attributes['gen_ai.provider.name'] !== 'other')).toBe(true);
    } finally {
      log.restore();
      await harness.shutdown();
    }
  });

  it('uninstrument() restores every original and stops recording; instrumenting again works', async () => {
    const { harness, metrics } = metricsPipeline();
    t.instrument({ metrics });
    expect(t.uninstrument()).toBe(true);
    expect(t.uninstrument()).toBe(false);
    expect(t.patched()).toEqual(originals);
    expect(await t.call()).toEqual(bare);
    expect((await harness.collect()).count(t.metric)).toBe(0);
    t.instrument({ metrics });
    expect(await t.call()).toEqual(bare);
    expect((await harness.collect()).count(t.metric)).toBe(t.opsPerCall);
    await harness.shutdown();
  });

  it("one option vocabulary: 'providerName', the old 'provider' (deprecated), setupMetrics' handle", async () => {
    const log = captureDiag();
    try {
      for (const [options, provider] of [
        [(metrics: unknown) => ({ metrics, providerName: 'custom' }), 'custom'],
        [(metrics: unknown) => ({ metrics: { genai: metrics }, provider: 'old-spelling' }), 'old-spelling'],
      ] as const) {
        const { harness, metrics } = metricsPipeline();
        t.instrument(options(metrics));
        await t.call();
        const m = await harness.collect();
        expect(m.count(t.metric, { 'gen_ai.provider.name': provider })).toBe(t.opsPerCall);
        t.uninstrument();
        await harness.shutdown();
      }
      expect(log.warnings.some((w) => /'provider' is deprecated; call it 'providerName'/.test(w))).toBe(true);
      const { metrics } = metricsPipeline();
      t.instrument({ metrics, provdierName: 'typo' });
      expect(log.warnings.some((w) => w.includes("unknown option 'provdierName'"))).toBe(true);
    } finally {
      log.restore();
    }
  });

  it('wrong options throw a TypeError saying what to change, and patch nothing', () => {
    const { metrics } = metricsPipeline();
    const wrong: Array<[unknown, RegExp]> = [
      [undefined, /options object/],
      [{}, /needs 'metrics'/],
      [{ metrics: {} }, /needs 'metrics'/],
      [{ metrics, providerName: '' }, /'providerName'/],
      [{ metrics, ...c.badOption }, new RegExp(`'${Object.keys(c.badOption)[0]}'`)],
    ];
    if (c.takesKind) wrong.push([{ metrics, kind: Object.create(null) }, /'kind' must be one of/]);
    for (const [options, message] of wrong) {
      expect(() => t.instrument(options)).toThrow(message);
      expect(() => t.instrument(options)).toThrow(TypeError);
      expect(t.patched()).toEqual(originals);
    }
  });

  it.each(throwingBackends())(
    'a throwing metrics backend (%s) never reaches the caller',
    async (_, metrics) => {
      const log = captureDiag();
      try {
        t.instrument({ metrics });
        expect(await t.call()).toEqual(bare);
        expect(await t.call()).toEqual(bare);
      } finally {
        log.restore();
      }
    },
  );
});
