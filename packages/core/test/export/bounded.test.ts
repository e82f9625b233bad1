import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { bounded } from '../../src/export/bounded.js';

/**
 * The one bounded wait behind the handle's forceFlush()/shutdown() and withMetricsFlush's flush
 * (their end-to-end tests: shutdown-timeout.test.ts, serverless/with-metrics-flush.test.ts). Here:
 * it never rejects, whatever `work` does, and reports as each caller asks — once per process for the
 * handle, every time for serverless invocations — naming the option that sets the timeout.
 */

const warnings: string[] = [];
const logger: DiagLogger = {
  error: () => {},
  warn: (message) => warnings.push(message),
  info: () => {},
  debug: () => {},
  verbose: () => {},
};
diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
afterEach(() => {
  warnings.length = 0;
});

const never = () => new Promise(() => {});

describe('bounded', () => {
  it('resolves when the work does, and never rejects when it throws or rejects', async () => {
    let done = false;
    await bounded(async () => (done = true), 1000, { what: 'w-ok', setting: 's' });
    expect(done).toBe(true);
    await expect(
      bounded(
        () => {
          throw new Error('sync');
        },
        1000,
        { what: 'w-throws', setting: 's' },
      ),
    ).resolves.toBeUndefined();
    await expect(
      bounded(() => Promise.reject(Symbol('odd')), 1000, { what: 'w-rejects', setting: 's' }),
    ).resolves.toBeUndefined();
    expect(warnings).toEqual([
      'genai-metrics: w-throws failed: Error: sync',
      'genai-metrics: w-rejects failed: a Symbol',
    ]);
  });

  it('stops waiting at the timeout, naming the option that sets it; once per process unless asked each time', async () => {
    await bounded(never, 10, { what: 'w-once', setting: 'exportTimeoutMillis' });
    await bounded(never, 10, { what: 'w-once', setting: 'exportTimeoutMillis' });
    await bounded(never, 10, { what: 'w-each', setting: 'flushTimeoutMillis', warnEachTime: true });
    await bounded(never, 10, {
      what: 'w-each',
      setting: 'flushTimeoutMillis',
      warnEachTime: true,
      holdProcess: true,
    });
    expect(warnings).toEqual([
      'genai-metrics: w-once took over 10 ms (exportTimeoutMillis); not waiting for it',
      'genai-metrics: w-each took over 10 ms (flushTimeoutMillis); not waiting for it',
      'genai-metrics: w-each took over 10 ms (flushTimeoutMillis); not waiting for it',
    ]);
  });
});
