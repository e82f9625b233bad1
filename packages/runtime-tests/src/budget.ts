/** genai-metrics' own share (core + the OpenAI adapter) of a Worker bundle, minified + gzipped, in bytes. */
export const WORKER_BUDGET_GZ = 60_000;
