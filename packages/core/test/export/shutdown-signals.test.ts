import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OtlpReceiver } from '@genai-metrics/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupMetrics } from '../../src/index.js';

const DURATION = 'gen_ai.client.operation.duration';
const fixture = fileURLToPath(new URL('../fixtures/signal-app.ts', import.meta.url));

let receiver: OtlpReceiver;
const children: ChildProcess[] = [];

beforeAll(async () => {
  receiver = await OtlpReceiver.start('http');
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  await receiver?.stop();
});

function pointsFor(model: string) {
  return receiver
    .acceptedPoints()
    .filter((p) => p.metric === DURATION && p.attributes['gen_ai.request.model'] === model);
}

describe('shutdown', () => {
  it('exports what was recorded, closes, and is idempotent', async () => {
    const m = await setupMetrics({
      exporter: 'otlp',
      otlp: { protocol: 'http/json', url: receiver.metricsEndpoint },
    });
    const op = m.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'shutdown' });
    op.end();
    expect(pointsFor('shutdown')).toHaveLength(0); // periodic export is 60 s away
    const first = m.shutdown();
    expect(m.shutdown()).toBe(first);
    await first;
    expect(pointsFor('shutdown')).toMatchObject([{ count: 1, temporality: 'cumulative' }]);
    const exports = receiver.exports.length;
    await m.forceFlush();
    expect(receiver.exports.length).toBe(exports);
  });
});

describe('handleSignals', () => {
  function start(mode: 'default' | 'own-listener'): Promise<{ child: ChildProcess; output: () => string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, receiver.metricsEndpoint, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', () => {
        if (out.includes('ready')) resolve({ child, output: () => out });
      });
      child.once('exit', (code) => reject(new Error(`fixture exited (${code}) before ready:\n${out}`)));
    });
  }

  const exited = (child: ChildProcess) =>
    new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? code)),
    );

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'on %s flushes once, then the process ends by that signal',
    async (signal) => {
      const { child } = await start('default');
      const before = receiver.acceptedCount();
      const done = exited(child);
      child.kill(signal);
      expect(await done).toBe(signal);
      expect(receiver.acceptedCount()).toBe(before + 1);
      expect(pointsFor('signal').at(-1)).toMatchObject({ count: 1 });
    },
  );

  it('leaves exiting to the app when it has its own listener', async () => {
    const { child, output } = await start('own-listener');
    const before = receiver.acceptedCount();
    child.kill('SIGTERM');
    await receiver.waitForAccepted(before + 1);
    expect(output()).toContain('app-handler');
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
  });
});
