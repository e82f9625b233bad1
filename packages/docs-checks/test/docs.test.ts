import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOGUE } from '@genai-metrics/core';
import { describe, expect, it } from 'vitest';
import { toPrometheusName } from '../src/prometheus-names.js';

const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url));
const PAGES = [
  'getting-started.md',
  'cardinality.md',
  'security.md',
  'migration-semconv.md',
  'architecture.md',
  'runtimes.md',
  'serving.md',
  'adding-an-adapter.md',
  'adapters/openai.md',
  'adapters/anthropic.md',
  'adapters/llama-cpp.md',
  'adapters/onnxruntime.md',
];
const read = (page: string) => readFileSync(join(DOCS, page), 'utf8');

describe('guides', () => {
  it('link only to files that exist', () => {
    for (const page of PAGES) {
      for (const [, target] of read(page).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        expect(existsSync(join(dirname(join(DOCS, page)), target!)), `${page} → ${target}`).toBe(true);
      }
    }
  });

  it('migration-semconv.md maps every client metric of both generations, with its Prometheus name', () => {
    const text = read('migration-semconv.md');
    const client = CATALOGUE.filter((d) => d.name.startsWith('gen_ai.client.'));
    expect(client.length).toBeGreaterThan(10);
    for (const d of client) {
      expect(text, d.name).toContain(`\`${d.name}\``);
      const prom = toPrometheusName(d.name);
      const shortened = prom.replace(/^gen_ai_client_inference_usage/, '…');
      expect(text.includes(prom) || text.includes(shortened), prom).toBe(true);
    }
  });
});

// OTel JS has two lines whose api ranges do not overlap (sdk-metrics 2.x peers api <1.10, 3.x ≥1.10): an
// install command that leaves either unpinned gets api 1.10 next to the Node-20 SDK, and npm answers
// ERESOLVE. Every `npm i` a page tells a user to run names one line for both.
describe('install commands', () => {
  const pages = ['../README.md', ...readdirSync(DOCS, { recursive: true, encoding: 'utf8' })]
    .filter((page) => page.endsWith('.md'))
    .concat([
      '../packages/core/README.md',
      '../packages/adapters/README.md',
      '../packages/hardware/README.md',
    ]);
  const commands = pages.flatMap((page) =>
    [...read(page).matchAll(/^\s*npm i(?:nstall)? [^\n`]*@opentelemetry\/sdk-metrics[^\n`]*/gm)].map((m) => ({
      page,
      command: m[0].trim(),
    })),
  );

  it('pin @opentelemetry/api and sdk-metrics to one OTel line', () => {
    expect(commands.length).toBeGreaterThan(2);
    for (const { page, command } of commands) {
      const api = /@opentelemetry\/api@(\S+)/.exec(command)?.[1];
      const sdk = /@opentelemetry\/sdk-metrics@(\S+)/.exec(command)?.[1];
      const line = `${api} + ${sdk}`;
      expect(['~1.9 + ^2', '^1.10 + ^3'], `${page}: ${command}`).toContain(line);
    }
  });
});
