import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Runs the example as a user would (`pnpm once`): a real chat on the generated model, then a scrape of
// its own /metrics endpoint.
describe('llama-cpp-chat example', () => {
  it('chats and serves the GenAI metrics of the chat on /metrics', () => {
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'main.ts', '--once', '--threads', '1', '--max-tokens', '8'],
      {
        cwd,
        encoding: 'utf8',
        timeout: 110_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^gen_ai_server_request_duration_count\{.*gen_ai_operation_name="chat".*\} 3$/m);
    expect(out).toMatch(
      /^gen_ai_client_operation_duration_count\{.*gen_ai_request_model="tiny-llama".*\} 3$/m,
    );
    expect(out).toMatch(/^gen_ai_server_time_to_first_token_count\{.*\} 3$/m);
    expect(out).toMatch(/^llm_model_load_duration_count\{.*llm_load_stage="model".*\} 1$/m);
    expect(out).toMatch(/^llm_generation_stops_total\{.*\} \d+$/m);
    expect(out).toMatch(/^llm_context_utilization\{.*\} 0\.\d+$/m);
  });
});
