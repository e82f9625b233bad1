import { diag } from '@opentelemetry/api';
import { detectRuntime } from '../runtime/runtime.js';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * `handleSignals` needs a process that receives SIGTERM/SIGINT (Node, Bun, Deno). Checked before
 * anything starts, so that a Worker (whose nodejs_compat `process` never gets a signal) fails at setup.
 */
export function assertSignalsSupported(): void {
  const runtime = detectRuntime();
  const proc = (globalThis as { process?: { on?: unknown; kill?: unknown } }).process;
  if (runtime.kind === 'workerd' || typeof proc?.on !== 'function' || typeof proc.kill !== 'function') {
    throw new Error(
      `genai-metrics: setupMetrics: handleSignals needs process signals, which ${runtime.label} does not have; ` +
        'flush with withMetricsFlush(handle, handler) or call handle.shutdown() yourself',
    );
  }
}

/**
 * On the first SIGTERM/SIGINT: flush and shut down (bounded by `timeoutMillis`), then deliver the
 * signal again so the process does what it would have done without us (exit, by default). If the app
 * has its own listener for that signal, exiting is left to it. Returns the uninstaller.
 */
export function installSignalHook(shutdown: () => Promise<void>, timeoutMillis: number): () => void {
  let fired = false;
  const uninstall = () => {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    if (fired) return;
    fired = true;
    uninstall();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        diag.warn(
          `genai-metrics: metrics flush on ${signal} took over ${timeoutMillis} ms; exiting without it`,
        );
        resolve();
      }, timeoutMillis);
    });
    const flushed = shutdown().catch((error) =>
      diag.error(`genai-metrics: metrics flush on ${signal} failed`, error),
    );
    void Promise.race([flushed, bound]).then(() => {
      clearTimeout(timer);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
  for (const s of SIGNALS) process.on(s, onSignal);
  return uninstall;
}
