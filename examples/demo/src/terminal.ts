import type { Summary } from './web/summary.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * The terminal side of the demo: a progress line while it warms up, then the URLs and a one-screen
 * summary redrawn in place (a line every few seconds when stdout is not a terminal, e.g. in CI).
 */
export class Terminal {
  private readonly tty = process.stdout.isTTY === true;
  private spinner: NodeJS.Timeout | undefined;
  private frame = 0;
  private step = '';
  private drawnLines = 0;

  progress(step: string): void {
    this.step = step;
    if (!this.tty) {
      console.log(`… ${step}`);
      return;
    }
    this.spinner ??= setInterval(() => this.drawProgress(), 100);
    this.drawProgress();
  }

  doneWarmingUp(): void {
    if (this.spinner) clearInterval(this.spinner);
    this.spinner = undefined;
    if (this.tty) process.stdout.write('\r\x1b[2K');
  }

  banner(lines: string[]): void {
    console.log(lines.join('\n'));
  }

  summary(s: Summary, phase: string, elapsedMs: number): void {
    const lines = summaryLines(s, phase, elapsedMs);
    if (!this.tty) {
      console.log(lines[1]);
      return;
    }
    // Move up over the previous block and redraw it.
    if (this.drawnLines > 0) process.stdout.write(`\x1b[${this.drawnLines}A`);
    for (const line of lines) process.stdout.write(`\x1b[2K${line}\n`);
    this.drawnLines = lines.length;
  }

  line(text: string): void {
    this.drawnLines = 0;
    console.log(text);
  }

  private drawProgress(): void {
    const f = FRAMES[this.frame++ % FRAMES.length];
    process.stdout.write(`\r\x1b[2K${f} ${this.step}`);
  }
}

function seconds(v: number | null): string {
  if (v === null) return '   –   ';
  return v < 1 ? `${(v * 1000).toFixed(0).padStart(4)} ms` : `${v.toFixed(2).padStart(5)} s`;
}

export function summaryLines(s: Summary, phase: string, elapsedMs: number): string[] {
  const c = s.client;
  const errorText =
    Object.entries(c.errorsByType)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ') || 'none';
  const elapsed = `${Math.round(elapsedMs / 1000)}s`;
  return [
    '',
    `[${phase} ${elapsed}] requests ${c.requests}  errors ${c.errors}  in flight ${s.inFlight}  tokens in ${c.inputTokens} / out ${c.outputTokens}`,
    `  client duration   p50 ${seconds(c.duration.p50)}  p95 ${seconds(c.duration.p95)}`,
    `  time to 1st chunk p50 ${seconds(c.timeToFirstChunk.p50)}  p95 ${seconds(c.timeToFirstChunk.p95)}`,
    `  server TTFT       p50 ${seconds(s.server.timeToFirstToken.p50)}  p95 ${seconds(s.server.timeToFirstToken.p95)}   queue p95 ${seconds(s.server.queue.p95)}`,
    `  errors by type    ${errorText}`,
  ];
}
