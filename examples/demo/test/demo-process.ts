import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const DEMO_DIR = fileURLToPath(new URL('..', import.meta.url));

/** How the demo is started: by default the command `./dev demo` ends in, in the demo's folder. */
export interface DemoCommand {
  command: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

const DEMO_COMMAND: DemoCommand = {
  command: process.execPath,
  cwd: DEMO_DIR,
};

/** The demo as a user runs it: its own process, real ports, stopped with a signal. */
export class DemoProcess {
  output = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(args: string[], how: DemoCommand = DEMO_COMMAND) {
    const argv = how === DEMO_COMMAND ? ['--import', 'tsx', 'src/main.ts', ...args] : args;
    this.child = spawn(how.command, argv, {
      cwd: how.cwd,
      env: { ...process.env, ...how.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d) => {
      this.output += d;
    });
    this.child.stderr!.on('data', (d) => {
      this.output += d;
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves with the first match of `pattern` in the output; rejects if the demo exits first. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    for (;;) {
      const m = this.output.match(pattern);
      if (m) return m;
      if (exited) throw new Error(`demo exited before printing ${pattern}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`demo did not print ${pattern} in time:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. Only this child is signalled. */
  async stop(graceMs = 30_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
