import { describe, expect, it } from 'vitest';
import { captureDiag } from '../shared/diag.js';
import { metricsPipeline } from '../shared/harness.js';
import { throwingBackends } from './backends.js';
import { CASES, useTarget } from './cases.js';

/**
 * The adapter contract (src/shared), checked the same way on every adapter against its real target:
 * one rule for a second call, one way to undo, one option vocabulary, and a metrics backend that
 * throws never reaching the app.
 */
describe.each(CASES)('adapter contract: $name', (c) => {
  const target = useTarget(c);

  // The second-call rule, as each kind of adapter has it: a middleware (nothing patched) its own test,
  // every patching adapter the other. Each case gets only the test it supports (none reported skipped).
  if (c.middleware) {
    it(
      'a middleware: the same options give the same middleware; a model wrapped twice records each call once; differing options warn once and the outer ones apply',
      middlewareSecondCall,
    );
  } else {
    it(
      'a second call returns the same thing, wraps nothing twice, and warns once when its options differ',
      patchingSecondCall,
    );
  }

  async function middlewareSecondCall() {
    const { harness, metrics } = metricsPipeline();
    const log = captureDiag();
    try {
      const first = target().instrument({ metrics });
      expect(target().instrument({ metrics })).toBe(first);
      expect(await target().call()).toEqual(target().bare);
      let m = await harness.collect();
      expect(m.count(target().metric)).toBe(target().opsPerCall);
      expect(log.warnings).toEqual([]);
      const other = target().instrument({ metrics, providerName: 'other' });
      expect(other).not.toBe(first);
      target().instrument({ metrics, providerName: 'another' });
      expect(await target().call()).toEqual(target().bare);
      m = await harness.collect();
      expect(m.count(target().metric)).toBe(2 * target().opsPerCall);
      expect(m.count(target().metric, { 'gen_ai.provider.name': 'another' })).toBe(target().opsPerCall);
      expect(log.warnings.filter((w) => w.includes('two genAiMiddleware'))).toHaveLength(1);
    } finally {
      log.restore();
      await harness.shutdown();
    }
  }

  async function patchingSecondCall() {
    const { harness, metrics } = metricsPipeline();
    const log = captureDiag();
    try {
      const first = target().instrument({ metrics });
      const wrapped = target().patched();
      expect(wrapped).not.toEqual(target().originals);
      expect(target().instrument({ metrics })).toBe(first);
      expect(log.warnings).toEqual([]);
      expect(target().instrument({ metrics, providerName: 'other' })).toBe(first);
      expect(target().instrument({ metrics, providerName: 'another' })).toBe(first);
      expect(log.warnings.filter((w) => w.includes('already called'))).toHaveLength(1);
      expect(target().patched()).toEqual(wrapped);
      expect(await target().call()).toEqual(target().bare);
      const m = await harness.collect();
      expect(m.count(target().metric)).toBe(target().opsPerCall);
      // The first call's options stay in force.
      expect(m.points(target().metric).every((p) => p.attributes['gen_ai.provider.name'] !== 'other')).toBe(
        true,
      );
    } finally {
      log.restore();
      await harness.shutdown();
    }
  }

  it('uninstrument() restores every original and stops recording; instrumenting again works', async () => {
    const { harness, metrics } = metricsPipeline();
    target().instrument({ metrics });
    expect(target().uninstrument()).toBe(true);
    expect(target().uninstrument()).toBe(false);
    expect(target().patched()).toEqual(target().originals);
    expect(await target().call()).toEqual(target().bare);
    expect((await harness.collect()).count(target().metric)).toBe(0);
    target().instrument({ metrics });
    expect(await target().call()).toEqual(target().bare);
    expect((await harness.collect()).count(target().metric)).toBe(target().opsPerCall);
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
        target().instrument(options(metrics));
        await target().call();
        const m = await harness.collect();
        expect(m.count(target().metric, { 'gen_ai.provider.name': provider })).toBe(target().opsPerCall);
        target().uninstrument();
        await harness.shutdown();
      }
      expect(log.warnings.some((w) => /'provider' is deprecated; call it 'providerName'/.test(w))).toBe(true);
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
      // A misspelt name would otherwise do nothing: refused, naming the option it is close to.
      [{ metrics, provdierName: 'typo' }, /unknown option 'provdierName'; did you mean 'providerName'\?/],
      [{ metrics, toString: 'x' }, /unknown option 'toString'/],
    ];
    if (c.takesKind) wrong.push([{ metrics, kind: Object.create(null) }, /'kind' must be one of/]);
    for (const [options, message] of wrong) {
      expect(() => target().instrument(options)).toThrow(message);
      expect(() => target().instrument(options)).toThrow(TypeError);
      expect(target().patched()).toEqual(target().originals);
    }
  });

  it.each(throwingBackends())(
    'a throwing metrics backend (%s) never reaches the caller',
    async (_, metrics) => {
      const log = captureDiag();
      try {
        target().instrument({ metrics });
        expect(await target().call()).toEqual(target().bare);
        expect(await target().call()).toEqual(target().bare);
      } finally {
        log.restore();
      }
    },
  );
});
