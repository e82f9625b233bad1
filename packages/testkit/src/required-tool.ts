/**
 * For suites that need a tool from scripts/setup/ (a C compiler, Prometheus, …). A missing tool fails
 * the test file with a message that says how to install it — here and under CI alike — so every test
 * file of a fresh clone runs (`./dev test` installs the tools first), and a broken installer can never
 * turn a run green by skipping what it should have tested.
 */
export function requireTool(tool: string, available: boolean, howToInstall: string): void {
  if (available) return;
  throw new Error(
    `${tool} is not available: ${howToInstall} (./dev test installs every tool the suites need). ` +
      'No suite skips itself; a missing tool fails it.',
  );
}
