import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/anthropic/index.js';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { SDKS as ANTHROPIC_SDKS } from '../anthropic/sdks.js';
import { SDKS as OPENAI_SDKS } from '../openai/sdks.js';
import { metricsPipeline } from './harness.js';

// A real collector, not a mock: expose V8's gc() to this test only.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
const oldSpaceUsed = () =>
  getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_used_size;

const COPIES = 3000;

/**
 * Bytes moved to the old generation by young-generation collections after `COPIES` copies of
 * `client` were made by `withOptions()` and dropped at once (an app making one per request, for a
 * per-request timeout or header). A dropped copy dies young; one that something keeps through the
 * young-generation collections is promoted, and then only a full collection frees it.
 */
function promotedByCopies(client: { withOptions(options: object): unknown }): number {
  gc({ type: 'major' });
  const before = oldSpaceUsed();
  for (let i = 0; i < COPIES; i++) client.withOptions({ timeout: 1000 + i });
  for (let i = 0; i < 3; i++) gc({ type: 'minor' });
  return oldSpaceUsed() - before;
}

/**
 * The installation of each copy was found through a WeakMap keyed by the copy; V8's young-generation
 * collections keep a WeakMap key alive when its value refers back to it (the installation's undo closes
 * over its target), so each dropped copy, with its resources and our
 * wrappers, was promoted (~6 KB a copy: 10-15 MB for 1000 copies against 2.5-4.5 MB for the bare
 * client's, whose promotions are the copies still in use when a collection ran mid-loop), the heap
 * grew until a full collection, and scavenges ran 3-6× as long.
 */
const CLIENTS = [
  ...OPENAI_SDKS.filter((s) => s.major >= 5).map((s) => ({
    name: `openai v${s.major}`,
    make: () => new s.OpenAI({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1' }),
    instrument: instrumentOpenAI,
  })),
  ...ANTHROPIC_SDKS.map((s) => ({
    name: `anthropic v${s.major}`,
    make: () => new s.Anthropic({ apiKey: 'k', baseURL: 'http://127.0.0.1:9' }),
    instrument: instrumentAnthropic,
  })),
];

describe.each(CLIENTS)('$name: withOptions() copies made per request', ({ make, instrument }) => {
  it('die young, as the bare client’s do: instrumenting them keeps nothing of them', () => {
    const { metrics } = metricsPipeline();
    const bare = promotedByCopies(make() as never);
    const ours = promotedByCopies(instrument(make(), { metrics }) as never);
    // Under 2 KB a copy above the bare client's: the run-to-run spread, not one copy kept.
    expect(ours - bare).toBeLessThan(COPIES * 2048);
  });
});
