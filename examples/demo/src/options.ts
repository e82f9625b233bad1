import { parseArgs } from 'node:util';

export interface DemoOptions {
  /** Page and /metrics port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** How long to drive traffic (ms); null = until Ctrl-C. The page stays up afterwards. */
  durationMs: number | null;
  /** Exit once traffic has finished (tests and CI); otherwise keep serving until Ctrl-C. */
  exitAfter: boolean;
  concurrency: number;
  threads: number;
}

const USAGE = `usage: ./dev demo [--port N] [--duration 30s] [--exit] [--concurrency N] [--threads N]
  --port         page and /metrics port on 127.0.0.1 (env DEMO_PORT, default 3000; 0 = any free port)
  --duration     drive traffic for this long (e.g. 45s, 2m; env DEMO_DURATION; default until Ctrl-C)
  --exit         exit when the traffic is done instead of keeping the page up
  --concurrency  simulated users calling at once (env DEMO_CONCURRENCY, default 2)
  --threads      llama.cpp CPU threads (env DEMO_THREADS, default 1)`;

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`--duration '${text}' is not a duration: use e.g. 30s, 2m or 1h`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${name} '${text}' must be an integer from ${min} to ${max}`);
  }
  return n;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): DemoOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      duration: { type: 'string' },
      exit: { type: 'boolean' },
      concurrency: { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const duration = values.duration ?? env.DEMO_DURATION;
  return {
    port: integer('port', values.port ?? env.DEMO_PORT ?? '3000', 0, 65535),
    durationMs: duration ? parseDuration(duration) : null,
    exitAfter: values.exit === true,
    concurrency: integer('concurrency', values.concurrency ?? env.DEMO_CONCURRENCY ?? '2', 1, 32),
    threads: integer('threads', values.threads ?? env.DEMO_THREADS ?? '1', 1, 64),
  };
}
