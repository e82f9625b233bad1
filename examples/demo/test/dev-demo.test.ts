import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DemoProcess } from './demo-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * `./dev demo` as the README gives it, stopped as a process manager, `timeout` or `kill <pid>` stops it:
 * one SIGTERM to the PID that was started. Only the install and build steps are left out (the test runs
 * after the build): a `pnpm` first on PATH answers `--version`, `install` and `build` and hands anything
 * else to the real pnpm.
 */
describe('./dev demo', () => {
  const bin = mkdtempSync(join(tmpdir(), 'dev-demo-'));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  writeFileSync(
    join(bin, 'pnpm'),
    [
      '#!/usr/bin/env bash',
      'case "$1" in',
      '  --version) echo 10.34.8 ;;',
      '  install|build) ;;',
      `  *) PATH="${process.env.PATH}" exec pnpm "$@" ;;`,
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(join(bin, 'pnpm'), 0o755);

  it('stops on one SIGTERM to its PID: exit code 0, the page no longer served', async () => {
    const demo = new DemoProcess(['demo', '--port', '0', '--duration', '60s', '--exit'], {
      command: join(ROOT, 'dev'),
      cwd: ROOT,
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    const pageUrl = (await demo.waitFor(/page\s+(http:\/\/127\.0\.0\.1:\d+)\//, 150_000))[1]!;
    expect((await fetch(`${pageUrl}/metrics`)).status).toBe(200);
    // The traffic runs for a minute (then --exit ends the demo, so a failed run leaves nothing behind):
    // the signal arrives while it runs. A demo left running after its PID has gone still holds the port.
    const code = await demo.stop();
    await expect(fetch(`${pageUrl}/metrics`)).rejects.toThrow();
    expect(code, demo.output).toBe(0);
    expect(demo.output).toMatch(/stopped \(/);
  });
});
