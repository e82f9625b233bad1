import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';

/**
 * Installs an OTel diag logger that keeps every warning and error it is given, in order, and returns
 * them (what a test checks is said once, or said at all). Call `diag.disable()` after the test.
 */
export function captureDiagMessages(): string[] {
  const seen: string[] = [];
  const keep = (message: string) => {
    seen.push(message);
  };
  const logger: DiagLogger = { error: keep, warn: keep, info: () => {}, debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return seen;
}
