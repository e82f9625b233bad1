import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type OpenAIServer, startOpenAIServer } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentationPages } from '../src/pages.js';
import { extractSnippets } from '../src/snippets.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// Inside this package, so the block's imports resolve to the SDKs and built packages it installs.
const DIR = fileURLToPath(new URL('../.snippet-runs/', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');

/**
 * The quick starts a user copies first — a block that sets up metrics and instruments `new OpenAI()` —
 * run as written against a local OpenAI-compatible server (no key, no network): the real openai SDK
 * reads OPENAI_BASE_URL as it would for any compatible server. Only `messages` (which the prose leaves to
 * the app) is supplied, and the run ends by scraping the block's own /metrics and shutting it down.
 */
const quickStarts = documentationPages(ROOT)
  .flatMap((page) => extractSnippets(page, readFileSync(join(ROOT, page), 'utf8')))
  .filter(
    (s) =>
      /^import OpenAI from 'openai';/m.test(s.code) && /const metrics = await setupMetrics\(/.test(s.code),
  )
  .filter((s) => /\bclient\.chat\.completions\.create\(/.test(s.code));

let server: OpenAIServer;
beforeAll(async () => {
  server = await startOpenAIServer({ chunks: 3 });
  mkdirSync(DIR, { recursive: true });
});
afterAll(async () => {
  await server?.close();
  rmSync(DIR, { recursive: true, force: true });
});

describe('quick-start blocks', () => {
  it('are found on the pages a user starts from', () => {
    const pages = new Set(quickStarts.map((s) => s.page));
    expect([...pages]).toEqual(expect.arrayContaining(['README.md', 'packages/core/README.md']));
  });

  it.each(quickStarts.map((s) => [`${s.page}:${s.line}`, s] as const))(
    '%s runs against an OpenAI-compatible server and its /metrics shows the call',
    async (_name, snippet) => {
      const file = join(DIR, `${snippet.page.replaceAll('/', '_')}-${snippet.line}.mts`);
      writeFileSync(
        file,
        [
          "const messages = [{ role: 'user' as const, content: 'Hello' }];",
          snippet.code,
          'const exposition = await (await fetch(metrics.url!)).text();',
          'await metrics.shutdown();',
          "console.log('\\n' + JSON.stringify({ exposition }));", // after what the block wrote
        ].join('\n'),
      );
      const { stdout } = await promisify(execFile)(TSX, [file], {
        cwd: DIR,
        env: {
          ...process.env,
          OPENAI_BASE_URL: server.baseURL,
          OPENAI_API_KEY: 'not-needed',
          OTEL_EXPORTER_PROMETHEUS_PORT: '0',
        },
        timeout: 60_000,
      });
      const { exposition } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { exposition: string };
      expect(exposition).toMatch(
        /^gen_ai_client_operation_duration_count\{gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o-mini".* 1$/m,
      );
      expect(exposition).toMatch(/^gen_ai_client_token_usage_count\{.*gen_ai_token_type="input".*\} 1$/m);
      if (/stream: true/.test(snippet.code)) {
        expect(exposition).toMatch(/^gen_ai_client_operation_time_to_first_chunk_count\{.*\} 1$/m);
      }
    },
    90_000,
  );
});
