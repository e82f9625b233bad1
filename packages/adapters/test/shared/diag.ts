import { DiagLogLevel, diag } from '@opentelemetry/api';

/** Collects what goes through OTel diag (warnings and errors) until `restore()`. */
export function captureDiag(): { warnings: string[]; errors: string[]; restore(): void } {
  const warnings: string[] = [];
  const errors: string[] = [];
  const text = (message: string, args: unknown[]) => [message, ...args.map(String)].join(' ');
  diag.setLogger(
    {
      error: (m, ...a) => errors.push(text(m, a)),
      warn: (m, ...a) => warnings.push(text(m, a)),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  return { warnings, errors, restore: () => diag.disable() };
}
