/**
 * CI's run of this example, needing no network: the example itself (`src/main.ts --once`, unchanged)
 * against the local OpenAI-compatible server the adapter tests use, then a check that the series it
 * printed count its two calls and their tokens. Exits non-zero if they do not.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startOpenAIServer } from '@genai-metrics/testkit';

const server = await startOpenAIServer({ promptTokens: 7 });
try {
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./main.ts', import.meta.url)), '--once'],
      {
        env: {
          ...process.env,
          OPENAI_BASE_URL: server.baseURL,
          OPENAI_API_KEY: 'local',
          OTEL_EXPORTER_PROMETHEUS_PORT: '0',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`example exited with ${code}`)),
    );
  });
  process.stdout.write(output);
  const value = (pattern: RegExp) => Number(output.match(pattern)?.[1] ?? Number.NaN);
  const calls = value(
    /^gen_ai_client_operation_duration_count\{[^}]*gen_ai_operation_name="chat"[^}]*\} (\S+)$/m,
  );
  const inputTokens = value(/^gen_ai_client_token_usage_sum\{[^}]*gen_ai_token_type="input"[^}]*\} (\S+)$/m);
  const firstChunks = value(/^gen_ai_client_operation_time_to_first_chunk_count\{[^}]*\} (\S+)$/m);
  const problems = [
    calls === 2 ? '' : `expected 2 chat calls, found ${calls}`,
    inputTokens === 14 ? '' : `expected 14 input tokens (2 × 7), found ${inputTokens}`,
    firstChunks === 1
      ? ''
      : `expected 1 time-to-first-chunk record (the streamed call), found ${firstChunks}`,
  ].filter(Boolean);
  if (problems.length > 0) {
    console.error(`example check failed: ${problems.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log('example check passed: 2 calls, 14 input tokens, 1 streamed first chunk');
  }
} finally {
  await server.close();
}
