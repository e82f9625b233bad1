import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { documentationPages } from '../src/pages.js';
import { extractSnippets, type PageContext, typeCheckSnippets } from '../src/snippets.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// Where the blocks are placed: this package, whose devDependencies are the SDKs the docs import.
const DIR = fileURLToPath(new URL('../snippets/', import.meta.url));
// adding-an-adapter.md shows code written inside packages/adapters/src against its internal modules
// (OptionsSpec, instrumentClient, GEN_AI_PROVIDER.foo): a contributor's template, not a user's program.
const CONTRIBUTOR_PAGES = new Set(['docs/adding-an-adapter.md']);
const ENTRY_POINTS = [
  '@genai-metrics/core',
  '@genai-metrics/hardware',
  '@genai-metrics/adapters/openai',
  '@genai-metrics/adapters/anthropic',
  '@genai-metrics/adapters/ai-sdk',
  '@genai-metrics/adapters/llama-cpp',
  '@genai-metrics/adapters/onnxruntime',
];

async function pageContext(): Promise<PageContext> {
  const exports: PageContext['exports'] = {};
  for (const specifier of ENTRY_POINTS) exports[specifier] = Object.keys(await import(specifier));
  return { exports };
}

/**
 * Every TypeScript block a user reads (README, package and example READMEs, docs/) type-checks against the
 * built packages and the SDKs it imports: an export renamed, an option removed or retyped, a handle member
 * that is not there, fails here instead of in the first app that copies the block.
 */
describe('code blocks in the documentation', () => {
  const pages = documentationPages(ROOT).filter((page) => !CONTRIBUTOR_PAGES.has(page));
  const snippets = pages.flatMap((page) => extractSnippets(page, readFileSync(join(ROOT, page), 'utf8')));

  it('are found on every page that has one', () => {
    expect(snippets.length).toBeGreaterThan(30);
    for (const page of [
      'README.md',
      'packages/core/README.md',
      'docs/adapters/openai.md',
      'docs/runtimes.md',
    ]) {
      expect(
        snippets.some((s) => s.page === page),
        page,
      ).toBe(true);
    }
  });

  it('type-check as the app that copies them would (strict, nodenext)', async () => {
    expect(typeCheckSnippets(snippets, await pageContext(), DIR, ROOT)).toEqual([]);
  }, 180_000);

  // The check is only worth something if a wrong block fails it: an option no adapter takes, an export
  // that does not exist, a handle member with the wrong type.
  it('reports what a copied block would get wrong', async () => {
    const wrong = [
      "import { setupMetrics } from '@genai-metrics/core';\nconst m = await setupMetrics({ exportIntervalMilis: 5 });",
      "import { instrumentOpenAi } from '@genai-metrics/adapters/openai';",
      'const url: number = metrics.url;',
    ].map((code, line) => ({ page: 'wrong.md', line, code }));
    const problems = typeCheckSnippets(wrong, await pageContext(), DIR, ROOT);
    expect(problems).toEqual([
      expect.stringMatching(/^wrong\.md:1 TS2561: .*exportIntervalMilis/),
      expect.stringMatching(/^wrong\.md:1 TS2724: .*instrumentOpenAi/),
      expect.stringMatching(/^wrong\.md:2 TS2322: /),
    ]);
  }, 180_000);
});
