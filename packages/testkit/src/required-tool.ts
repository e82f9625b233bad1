/**
 * For suites that need a tool from scripts/setup/ (a C compiler, Prometheus, …): whether to skip them
 * here. A developer without the tool gets a skip that says how to install it; under CI (`CI` set, as
 * `.ci/run` does) a missing tool throws instead, failing the test file, so a broken installer can never
 * turn the run green by skipping what it should have tested.
 */
export function skipWithoutTool(tool: string, available: boolean, howToInstall: string): boolean {
  if (available) return false;
  const message = `${tool} is not available: ${howToInstall}`;
  if (isCI()) throw new Error(`${message}. Under CI every suite must run; a missing tool fails it.`);
  console.warn(`skipped: ${message}`);
  return true;
}

/** `CI` set to anything but an explicit false (`CI=true`, `CI=1`). */
export function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}
