/**
 * What a sysfs provider found, kept between samples and discovered again whenever the names it found it
 * under change hands (a `deviceSignature` that differs: a hot-unplug, a driver rebind, a new card), so
 * one device's files are never read under another's id. `probe()` forgets it: detection always looks.
 */
export class Discovered<T> {
  private found: T | undefined;
  private seen: string | undefined;

  constructor(
    private readonly signature: () => Promise<string>,
    private readonly discover: () => Promise<T>,
  ) {}

  async current(): Promise<T> {
    const signature = await this.signature();
    if (this.found === undefined || signature !== this.seen) {
      this.seen = signature;
      this.found = await this.discover();
    }
    return this.found;
  }

  forget(): void {
    this.found = undefined;
  }
}
