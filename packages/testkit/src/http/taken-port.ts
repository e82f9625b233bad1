import { execFile } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';

export interface TakenPortRun {
  /** The port another server held while the script started. */
  port: number;
  /** The script's exit code (null when a signal ended it). */
  code: number | null;
  stderr: string;
}

/**
 * Runs a server script (`node --import tsx <script>`, as an example's `pnpm start` does) with `PORT`
 * set to a port this process holds, and returns how it ended: what a user sees when the port in the
 * README is taken.
 */
export async function runOnTakenPort(script: string): Promise<TakenPortRun> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address() as AddressInfo;
  try {
    return await new Promise<TakenPortRun>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', script],
        { env: { ...process.env, PORT: String(port) }, timeout: 60_000 },
        (error, _stdout, stderr) =>
          resolve({ port, code: error ? ((error.code as number | null | undefined) ?? null) : 0, stderr }),
      );
    });
  } finally {
    holder.close();
  }
}
