import { join, relative } from 'node:path';
import ts from 'typescript';

/** A fenced TypeScript/JavaScript block of a markdown page, with where it starts (1-based line). */
export interface Snippet {
  page: string;
  line: number;
  code: string;
}

const CODE_FENCE = /^\s*```(\w*)\s*$/;
const SCRIPT_LANGUAGES = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs', 'mts']);

/** The TypeScript/JavaScript blocks of one markdown text (indented fences too: blocks inside list items). */
export function extractSnippets(page: string, markdown: string): Snippet[] {
  const out: Snippet[] = [];
  let open: { lang: string; line: number; indent: number; lines: string[] } | undefined;
  markdown.split('\n').forEach((text, index) => {
    const fence = CODE_FENCE.exec(text);
    if (open === undefined) {
      if (fence) open = { lang: fence[1]!, line: index + 2, indent: text.search(/\S/), lines: [] };
      return;
    }
    if (fence && fence[1] === '') {
      if (SCRIPT_LANGUAGES.has(open.lang)) out.push({ page, line: open.line, code: open.lines.join('\n') });
      open = undefined;
      return;
    }
    open.lines.push(text.slice(Math.min(open.indent, text.search(/\S|$/))));
  });
  return out;
}

/**
 * Diagnostics a fragment may have because it is a fragment: it uses names an earlier block (or the
 * prose) introduced — `messages`, `app`, `stream` — or shows two files in one block. Everything else
 * (an export that does not exist, an option the type refuses, a wrong argument, a missing module) is
 * what a user who copies the block would hit, and is reported.
 */
const FRAGMENT_CODES = new Set([
  2304, // Cannot find name 'x'.
  2552, // Cannot find name 'x'. Did you mean 'y'?
  2451, // Cannot redeclare block-scoped variable (two files shown in one block).
  2393, // Duplicate function implementation (idem).
  2300, // Duplicate identifier (idem).
  1108, // A 'return' statement can only be used within a function body (a handler's body shown alone).
  2867, // Cannot find name 'Bun'. Do you need to install type definitions for Bun?
  2868, // Cannot find name 'Deno'. (idem)
]);

/**
 * Type-checks every snippet as its own ES module under `nodenext`, `strict`, against the built workspace
 * packages and the SDK versions this package installs; returns one line per problem a user would see.
 * `dir` is the folder the snippets are placed in (it decides how their imports resolve).
 */
export function typeCheckSnippets(
  snippets: Snippet[],
  context: PageContext,
  dir: string,
  root: string,
): string[] {
  const prelude = join(dir, 'prelude.d.ts');
  const files = new Map(snippets.map((s, i) => [join(dir, `snippet-${i}.mts`), s]));
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  const preludeText = renderPrelude(context);
  host.fileExists = (name) => name === prelude || files.has(name) || fileExists.call(host, name);
  host.readFile = (name) =>
    name === prelude ? preludeText : (files.get(name)?.code ?? readFile.call(host, name));
  host.getSourceFile = (name, version, ...rest) => {
    if (name === prelude) return ts.createSourceFile(name, preludeText, version);
    const snippet = files.get(name);
    if (snippet) return ts.createSourceFile(name, `${snippet.code}\nexport {};\n`, version);
    return getSourceFile.call(host, name, version, ...rest);
  };
  const program = ts.createProgram([prelude, ...files.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => !FRAGMENT_CODES.has(d.code))
    .map((d) => {
      const snippet = d.file && files.get(d.file.fileName);
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
      if (!snippet || !d.file || d.start === undefined)
        return `${d.file?.fileName ?? ''} TS${d.code}: ${message}`;
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${relative(root, join(root, snippet.page))}:${snippet.line + line} TS${d.code}: ${message}`;
    });
}

/**
 * What a block may use without importing it: the names the page's other blocks import (each package's
 * exports, `OpenAI`, `ort`, …) and the values the prose introduces (`metrics` is the handle
 * `setupMetrics()` resolves to, `genai` its `GenAiMetrics`, `messages` the app's own messages, …), each
 * with the type it has where it was introduced — so a block is checked as the user's program would be,
 * not as a fragment full of `any`.
 */
export interface PageContext {
  /** module specifier → the value names it exports (read from the built packages at run time). */
  exports: Record<string, string[]>;
}

const PROSE_VALUES = `
declare var metrics: import('@genai-metrics/core').MetricsHandle;
declare var genai: import('@genai-metrics/core').GenAiMetrics;
declare var messages: never[];
declare var stream: AsyncIterable<unknown>;
declare var prompt: string;
declare var modelPath: string;
declare var weather: import('ai').Tool;
declare var search: import('ai').Tool & ((input: unknown) => Promise<unknown>);
declare var input_ids: import('onnxruntime-node').Tensor;
declare var attention_mask: import('onnxruntime-node').Tensor;
declare var request: Request;
type NodeHandler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
declare var app: NodeHandler & ((request: Request) => Response | Promise<Response>) & {
  get(path: string, handler: NodeHandler): void;
};
declare var fastify: {
  get(
    path: string,
    handler: (
      request: { raw: import('node:http').IncomingMessage },
      reply: { raw: import('node:http').ServerResponse; hijack(): void },
    ) => void,
  ): void;
};
// A stand-in for @cloudflare/workers-types: what runtimes.md's Worker uses of it.
interface Env { OTLP_URL: string; OTLP_TOKEN: string; OPENAI_API_KEY: string }
interface ExecutionContext { waitUntil(promise: Promise<unknown>): void; passThroughOnException(): void }
declare var OpenAI: typeof import('openai').default;
declare var Anthropic: typeof import('@anthropic-ai/sdk').default;
declare var nodeLlamaCpp: typeof import('node-llama-cpp');
declare var ort: typeof import('onnxruntime-node');
declare var openai: typeof import('@ai-sdk/openai').openai;
declare var wrapLanguageModel: typeof import('ai').wrapLanguageModel;
declare var generateText: typeof import('ai').generateText;
declare var streamText: typeof import('ai').streamText;
declare var stepCountIs: typeof import('ai').stepCountIs;
declare var http: typeof import('node:http');
declare var cluster: typeof import('node:cluster').default;
declare var Worker: typeof import('node:worker_threads').Worker;
`;

function renderPrelude(context: PageContext): string {
  const exported = Object.entries(context.exports).flatMap(([specifier, names]) =>
    names.map((name) => `declare var ${name}: typeof import('${specifier}').${name};`),
  );
  // A script, not a module: its `declare var`s are globals a block's own declarations shadow.
  return [
    PROSE_VALUES,
    ...exported,
    "declare module 'cloudflare:workers' {\n  export const env: Env;\n}",
    '',
  ].join('\n');
}
