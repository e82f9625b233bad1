import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type OpenAIServer, OtlpReceiver, startOpenAIServer } from '@genai-metrics/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXPECTED_RESULT, EXPECTED_TOTALS, totalsOf } from '../src/expectations.js';
import { pushOnce, type RuntimeCommand } from '../src/runtimes.js';

/**
 * Deno granted only the variables docs/runtimes.md lists (no blanket --allow-env): Deno refuses any other
 * read with NotCapable, which the OTel exporters do not catch, so a missing name fails setupMetrics (HTTP)
 * or every export (gRPC). The list is read from the docs, so the docs cannot drift from what works.
 */
const DOC = fileURLToPath(new URL('../../../docs/runtimes.md', import.meta.url));
const documented = /```text deno-allow-env\n([^`]+)```/.exec(readFileSync(DOC, 'utf8'))?.[1];
const LIBRARY_VARIABLES = (documented ?? '').split(/[,\s]+/).filter(Boolean);
// What the openai SDK reads (named in the docs' text) and what the test app itself reads.
const APP_VARIABLES = [
  'OPENAI_API_KEY',
  'OPENAI_ADMIN_KEY',
  'OPENAI_ORG_ID',
  'OPENAI_PROJECT_ID',
  'OPENAI_WEBHOOK_SECRET',
  'OPENAI_BASE_URL',
  'OPENAI_CUSTOM_HEADERS',
  'OPENAI_API_VERSION',
  'OPENAI_LOG',
  'OTLP_URL',
  'OTLP_PROTOCOL',
];
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const denoWithListedEnv: RuntimeCommand = {
  name: 'deno',
  command: (app) => [
    `${PACKAGE}node_modules/.bin/deno`,
    'run',
    '--allow-net=127.0.0.1',
    `--allow-env=${[...LIBRARY_VARIABLES, ...APP_VARIABLES].join(',')}`,
    app,
  ],
};

let openai: OpenAIServer;

beforeAll(async () => {
  openai = await startOpenAIServer({ promptTokens: 7 });
});

afterAll(async () => {
  await openai?.close();
});

it('docs/runtimes.md lists the variables (a block the test can read)', () => {
  expect(LIBRARY_VARIABLES).toContain('OTEL_EXPORTER_OTLP_METRICS_TIMEOUT');
  expect(LIBRARY_VARIABLES).toContain('GRPC_VERBOSITY');
});

it.each(['http/protobuf', 'http/json', 'grpc'] as const)(
  'deno with --allow-env=<the documented list> pushes over OTLP %s: exact totals',
  { timeout: 120_000 },
  async (protocol) => {
    const receiver = await OtlpReceiver.start(protocol === 'grpc' ? 'grpc' : 'http');
    try {
      const run = await pushOnce(denoWithListedEnv, openai, receiver, protocol);
      expect(run.result).toEqual(EXPECTED_RESULT);
      expect(run.exited, run.output).toEqual({ code: 0, signal: null });
      expect(run.received.length, run.output).toBeGreaterThan(0);
      expect(run.received.every((e) => e.accepted)).toBe(true);
      expect(totalsOf(run.received.flatMap((e) => e.points))).toEqual(EXPECTED_TOTALS);
    } finally {
      await receiver.stop();
    }
  },
);
