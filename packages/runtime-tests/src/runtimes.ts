import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { OpenAIServer, OtlpReceiver, ReceivedExport } from '@genai-metrics/testkit';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string) => `${PACKAGE}node_modules/.bin/${name}`;

export interface RuntimeCommand {
  name: 'bun' | 'deno';
  /** The command that runs a TypeScript file of apps/ (relative to this package). */
  command(app: string): string[];
}

/**
 * Bun and Deno from the npm registry (devDependencies `bun` and `deno`: each ships its binary in a
 * platform package). Deno runs with only what docs/runtimes.md tells users to grant: the network to
 * 127.0.0.1 and the environment (the OTEL_* variables); deno.json maps the imports to `npm:` specifiers.
 */
export const RUNTIMES: RuntimeCommand[] = [
  { name: 'bun', command: (app) => [bin('bun'), 'run', app] },
  {
    name: 'deno',
    command: (app) => [bin('deno'), 'run', '--allow-net=127.0.0.1', '--allow-env', app],
  },
];

export interface RunningApp {
  child: ChildProcess;
  /**
   * Sends `signal` to the app and everything it started. `child` is the package's `.bin` shim (a shell
   * script, and for Deno a Node launcher), which runs the runtime as a child of its own rather than
   * replacing itself: killing `child` alone left the Bun or Deno process running, a server with no parent,
   * after every test that stops its app. The app runs in a process group of its own, killed whole.
   */
  stop(signal?: NodeJS.Signals): void;
  /** The first line the app printed, parsed as JSON. */
  firstLine: Promise<Record<string, unknown>>;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** Starts an app under a runtime in this package's directory; its stderr is kept for failure messages. */
export function startApp(runtime: RuntimeCommand, app: string, env: Record<string, string>): RunningApp {
  const [cmd, ...args] = runtime.command(app);
  const child = spawn(cmd!, args, {
    cwd: PACKAGE,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group has exited already
    }
  };
  let log = '';
  child.stderr!.on('data', (d: Buffer) => {
    log += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines = createInterface({ input: child.stdout! });
  const firstLine = new Promise<Record<string, unknown>>((resolve, reject) => {
    lines.once('line', (line) => {
      try {
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        reject(new Error(`${runtime.name} ${app} printed something else than JSON: ${line}\n${log}`));
      }
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`${runtime.name} ${app} exited (${code ?? signal}) before printing:\n${log}`)),
    );
  });
  lines.on('line', (line) => {
    log += `${line}\n`;
  });
  return { child, stop, firstLine, exited, output: () => log };
}

/** What `pushOnce` saw: the app's printed result, how it ended, its log, and what the receiver got. */
export interface PushRun {
  result: Record<string, unknown>;
  exited: { code: number | null; signal: NodeJS.Signals | null };
  output: string;
  received: ReceivedExport[];
}

/**
 * Runs apps/push.ts once under `runtime` (the scenario's three calls queued on the OpenAI server, then
 * a serverless push over `protocol` to `receiver`) and returns what the receiver got from it.
 */
export async function pushOnce(
  runtime: RuntimeCommand,
  openai: OpenAIServer,
  receiver: OtlpReceiver,
  protocol: 'http/protobuf' | 'http/json' | 'grpc',
): Promise<PushRun> {
  const before = receiver.exports.length;
  openai.enqueue({ chunks: 3 }, { chunks: 3 }, { status: 400 });
  const app = startApp(runtime, 'apps/push.ts', {
    OPENAI_BASE_URL: openai.baseURL,
    OTLP_URL: receiver.metricsEndpoint,
    OTLP_PROTOCOL: protocol,
  });
  const result = await app.firstLine;
  const exited = await app.exited;
  return { result, exited, output: app.output(), received: receiver.exports.slice(before) };
}
