import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A sysfs-shaped directory tree in a temp dir, laid out like the kernel's: class entries whose `device`
 * is a symlink to the PCI device directory, and `device/driver` a symlink to the bound driver.
 */
export class SysfsTree {
  readonly root = mkdtempSync(join(tmpdir(), 'sysfs-'));

  file(path: string, content: string | number): this {
    const full = join(this.root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, `${content}\n`);
    return this;
  }

  dir(path: string): this {
    mkdirSync(join(this.root, path), { recursive: true });
    return this;
  }

  link(path: string, target: string): this {
    const full = join(this.root, path);
    mkdirSync(dirname(full), { recursive: true });
    mkdirSync(join(this.root, target), { recursive: true });
    symlinkSync(join(this.root, target), full);
    return this;
  }

  /** A PCI device bound to `driver`, reachable as `<classDir>/device`. */
  pciDevice(classDir: string, pciAddress: string, driver: string, vendor: string, device: string): string {
    const dev = `devices/pci0000:00/${pciAddress}`;
    this.dir(classDir).link(`${classDir}/device`, dev).link(`${dev}/driver`, `bus/pci/drivers/${driver}`);
    this.file(`${dev}/vendor`, vendor).file(`${dev}/device`, device);
    return dev;
  }

  /**
   * Makes a file fail to read, like amdgpu's files on a GPU in runtime suspend (EPERM in real sysfs).
   * Unprivileged, mode 000 gives EACCES; as root (which ignores modes) the file becomes a directory, so
   * reading gives EISDIR. Either way the provider's read fails the way a real one does.
   */
  unreadable(path: string): this {
    const full = join(this.root, path);
    if (process.getuid?.() === 0) {
      rmSync(full, { force: true });
      mkdirSync(full, { recursive: true });
    } else {
      chmodSync(full, 0);
    }
    return this;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
