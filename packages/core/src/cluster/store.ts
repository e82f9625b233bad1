import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { warnOnce } from '../input/report.js';
import type { TimeSlice } from '../runtime/time-slice.js';
import { type MemberInfo, type MemberSnapshot, openSnapshot } from './snapshot.js';

/** One snapshot file as read: a member's own, or one claimed by a member folding it in. */
export interface SnapshotFile {
  name: string;
  id: string;
  /** Set when a member has claimed this file to fold it into its own totals. */
  claimedBy: string | undefined;
  /** Who wrote it and what it folded: the snapshot with its points left out (see `load`). */
  head: MemberSnapshot;
  /**
   * The whole snapshot, decoded when needed (one file at a time keeps a scrape's garbage young);
   * undefined when its points turn out damaged, which the file's frame lengths make very unlikely.
   */
  load(slice: TimeSlice): Promise<MemberSnapshot | undefined>;
}

const ID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SNAPSHOT_NAME = new RegExp(`^(${ID})\\.snap(?:\\.claimed-(${ID}))?$`);
const MEMBER_NAME = new RegExp(`^(${ID})\\.member$`);
/**
 * Readers retry a listing whose files moved under them (a fold renames and deletes). Folds are rare
 * and short, so this many attempts in a row means something keeps moving files: the read fails (the
 * scrape answers 500, which Prometheus records as a failed scrape) rather than show a total with a
 * file missing, which would look like a counter reset.
 */
const READ_ATTEMPTS = 50;

/**
 * The files of one cluster directory (0700):
 * - `<id>.member`   JSON registration (MemberInfo), written once the control socket listens
 * - `<id>.snap`     the member's snapshot (MemberSnapshot in V8-serialized frames), replaced atomically
 * - `<id>.snap.claimed-<folder>`  a snapshot of an exited member, claimed by the member folding it
 * - `<id>.sock`     the control socket (where the path is short enough)
 */
export class ClusterStore {
  constructor(readonly dir: string) {}

  async ensure(): Promise<void> {
    await makeDirectories(this.dir);
  }

  memberPath(id: string): string {
    return join(this.dir, `${id}.member`);
  }

  snapshotName(id: string): string {
    return `${id}.snap`;
  }

  snapshotPath(id: string): string {
    return join(this.dir, this.snapshotName(id));
  }

  claimedName(id: string, claimer: string): string {
    return `${id}.snap.claimed-${claimer}`;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /**
   * A Unix socket path holds about 104 bytes (108 with the terminating NUL on Linux, 104 on macOS), and
   * Node's listen() and connect() cut a longer one short without a word: a long directory gets a short
   * hashed name in the temp directory, and when that is long too (a long TMPDIR: sandboxes, per-job temp
   * directories) in /tmp — cut short, the names of all members were the same (the part that tells them
   * apart comes last), and every member after the first failed setup with EADDRINUSE.
   */
  socketPath(id: string): string {
    const hash = createHash('sha256').update(`${this.dir}\u0000${id}`).digest('hex').slice(0, 24);
    if (process.platform === 'win32') return `\\\\.\\pipe\\genai-metrics-${hash}`;
    const name = `genai-metrics-${hash}.sock`;
    const candidates = [join(this.dir, `${id}.sock`), join(tmpdir(), name), join('/tmp', name)];
    return candidates.find((path) => Buffer.byteLength(path) < SOCKET_PATH_BYTES) ?? candidates[2]!;
  }

  /** Replaces a file atomically (write a temporary file, rename it over), so readers never see half. */
  async writeAtomic(path: string, data: Buffer | string): Promise<void> {
    const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      await writeFile(tmp, data, { mode: 0o600 });
      await rename(tmp, path);
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
  }

  async names(): Promise<string[]> {
    try {
      return await readdir(this.dir);
    } catch {
      return [];
    }
  }

  /** Every readable registration. */
  async members(): Promise<MemberInfo[]> {
    const out: MemberInfo[] = [];
    for (const name of await this.names()) {
      if (!MEMBER_NAME.test(name)) continue;
      try {
        const bytes = await readRegularFile(this.path(name));
        if (typeof bytes === 'string') continue;
        const info = JSON.parse(bytes.toString('utf8')) as MemberInfo;
        if (typeof info?.id === 'string' && typeof info.pid === 'number' && typeof info.socket === 'string') {
          out.push(info);
        }
      } catch {
        // being replaced or removed right now: the next scrape sees it
      }
    }
    return out;
  }

  /**
   * Every snapshot file, read as one consistent set: when a file vanishes between the listing and the
   * read (a fold claimed or removed it), the whole read starts again, so data that moved from one file
   * to another is never missed. Files of another format or corrupt ones are left out, with a warning
   * (once per process) so a data gap is never silent.
   * `known` may name a file whose content the caller holds (its own, last written and not being
   * rewritten): that one is neither read nor decoded again. Only each file's head is decoded here.
   */
  async snapshots(known?: (name: string) => MemberSnapshot | undefined): Promise<{ files: SnapshotFile[] }> {
    for (let attempt = 1; ; attempt++) {
      const files: SnapshotFile[] = [];
      let unreadable = 0;
      let moved = false;
      for (const name of await this.names()) {
        const match = SNAPSHOT_NAME.exec(name);
        if (!match) continue;
        const held = known?.(name);
        if (held) {
          files.push({ name, id: match[1]!, claimedBy: match[2], head: held, load: async () => held });
          continue;
        }
        const file = await this.read(name, match);
        if (file === 'gone') moved = true;
        else if (file === undefined) unreadable++;
        else files.push(file);
      }
      if (!moved) {
        if (unreadable > 0) reportUnreadable(this.dir, unreadable);
        return { files };
      }
      if (attempt >= READ_ATTEMPTS) {
        throw new Error(
          `genai-metrics cluster: the snapshot files in ${this.dir} kept moving during ${READ_ATTEMPTS} reads`,
        );
      }
      // Let the fold that moved them finish its step.
      await new Promise((resolve) => setTimeout(resolve, Math.min(attempt * 5, 100)));
    }
  }

  /**
   * One snapshot file as it is now (a fold reads the file it claimed again); `gone` when it no longer
   * exists, undefined when it is not a snapshot of ours (another format, damaged). Any other failure
   * to read it throws: going on without it would leave a member's totals out.
   */
  async read(name: string, match = SNAPSHOT_NAME.exec(name)): Promise<SnapshotFile | 'gone' | undefined> {
    if (!match) return undefined;
    const bytes = await readRegularFile(this.path(name));
    if (bytes === 'gone') return 'gone';
    if (bytes === 'foreign') return undefined;
    const opened = openSnapshot(bytes);
    if (!opened || opened.head.member.id !== match[1]) return undefined;
    return { name, id: match[1]!, claimedBy: match[2], ...opened };
  }

  /** Claims a file for folding by renaming it; false when another member got there first. */
  async claim(name: string, id: string, claimer: string): Promise<string | undefined> {
    const claimed = this.claimedName(id, claimer);
    if (name === claimed) return claimed;
    try {
      await rename(this.path(name), this.path(claimed));
      return claimed;
    } catch {
      return undefined;
    }
  }

  async remove(name: string): Promise<void> {
    await this.removePath(this.path(name));
  }

  async removePath(path: string): Promise<void> {
    await unlink(path).catch(() => undefined);
  }
}

/** Longest socket path used (bytes): under every platform's limit, with room to spare. */
const SOCKET_PATH_BYTES = 100;

/**
 * Reads a file of the directory that only a member can have written: a regular file, read as it is.
 * `gone` when it does not exist; `foreign` when it is something no member writes, or cannot be read
 * for good (no permission: a process of another user wrote it) — left out, never waited on: a FIFO
 * would hold the read (and one of libuv's four threadpool threads, which the app's own file system
 * and DNS calls share) forever, a symlink could lead to /dev/zero, a directory fails every read.
 * Other failures (EMFILE, EIO) may pass and are thrown: going on without the file would leave a
 * member's totals out.
 */
async function readRegularFile(path: string): Promise<Buffer | 'gone' | 'foreign'> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'gone';
    if (code !== undefined && FOREIGN_CODES.has(code)) return 'foreign';
    throw error;
  }
  try {
    if (!(await handle.stat()).isFile()) return 'foreign';
    return await handle.readFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && FOREIGN_CODES.has(code)) return 'foreign';
    throw error;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Opening or reading failed for good: a symlink (O_NOFOLLOW), no permission, not a readable file. */
const FOREIGN_CODES = new Set([
  'ELOOP',
  'EACCES',
  'EPERM',
  'EISDIR',
  'ENXIO',
  'EINVAL',
  'ERR_FS_FILE_TOO_LARGE',
]);

/** Says (once per process) that snapshot files were left out of a scrape, so a gap is never silent. */
export function reportUnreadable(dir: string, count: number): void {
  warnOnce(
    'cluster:unreadable-snapshot',
    `genai-metrics cluster: ${count} snapshot file(s) in ${dir} could not be read (another format or damaged) and were left out of the scrape`,
  );
}

/**
 * `mkdir -p` with mode 0700, one level at a time. Not `mkdir(dir, { recursive: true })`: Node 20's
 * recursive mkdir never returns under a directory whose file system answers ENOENT to mkdir
 * (`/proc/x/cluster`, `/sys/...`: it creates the parent, which exists, and retries forever), which hung
 * setupMetrics and kept one libuv thread spinning. Here each level is tried at most twice, so such a
 * path fails with mkdir's own error, which setup turns into a message naming the setting.
 */
async function makeDirectories(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o700 });
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if ((await stat(dir)).isDirectory()) return;
      throw error;
    }
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw error;
    await makeDirectories(parent);
  }
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (error) {
    // Another member created it between our two attempts.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !(await stat(dir)).isDirectory()) throw error;
  }
}
