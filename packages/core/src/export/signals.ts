import { diag } from '@opentelemetry/api';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

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
