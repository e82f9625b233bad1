import { fileURLToPath } from 'node:url';
import { runOnTakenPort } from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddingsServer, startEmbeddingsServer } from '../src/server.js';

let server: EmbeddingsServer;
beforeAll(async () => {
  server = await startEmbeddingsServer(0);
});
afterAll(() => server.close());

/** The value of one Prometheus sample line, found by metric name and label fragments. */
function sample(exposition: string, name: string, ...labels: string[]): number | undefined {
  const line = exposition
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && labels.every((f) => l.includes(f)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('examples/onnxruntime-embeddings', () => {
  it('serves embeddings and exposes the run and embeddings metrics on /metrics', async () => {
    const r1 = await fetch(`${server.url}/v1/embeddings`, {
      method: 'POST',
      body: JSON.stringify({ input: ['hello', 'world!'] }),
    });
    expect(r1.status).toBe(200);
    const body = (await r1.json()) as { data: { embedding: number[] }[]; usage: { prompt_tokens: number } };
    expect(body.data).toHaveLength(2);
    expect(body.data[0]!.embedding).toHaveLength(32);
    expect(body.usage.prompt_tokens).toBe(11);
    await fetch(`${server.url}/v1/embeddings`, { method: 'POST', body: JSON.stringify({ input: 'one' }) });

    const text = await (await fetch(`${server.url}/metrics`)).text();
    const model = 'gen_ai_request_model="toy-embedding"';
    expect(
      sample(text, 'llm_inference_run_duration_count', model, 'gen_ai_operation_name="embeddings"'),
    ).toBe(2);
    expect(sample(text, 'llm_batch_size_sum', model)).toBe(3);
    expect(sample(text, 'llm_model_load_duration_count', model, 'llm_execution_providers="cpu"')).toBe(1);
    expect(sample(text, 'gen_ai_client_operation_duration_count', model)).toBe(2);
    expect(sample(text, 'gen_ai_client_token_usage_sum', model, 'gen_ai_token_type="input"')).toBe(14);
    expect(sample(text, 'llm_requests_active', model)).toBe(0);
  });
});

/** The README's `pnpm start` on a port something else holds: one line saying what to change, exit code 1. */
describe('src/main.ts', () => {
  it('says which port is taken and what to set, instead of crashing with a stack', async () => {
    const run = await runOnTakenPort(fileURLToPath(new URL('../src/main.ts', import.meta.url)));
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `onnxruntime-embeddings: cannot listen on 127.0.0.1:${run.port} (EADDRINUSE); set PORT to a free port`,
    );
  }, 90_000);
});
