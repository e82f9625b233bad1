import {
  type OpenAIServer,
  OtlpReceiver,
  PrometheusServer,
  promtoolCheckMetrics,
  startOpenAIServer,
} from '@genai-metrics/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_RESULT, EXPECTED_TOTALS, totalsOf } from '../src/expectations.js';
import { pushOnce, RUNTIMES, startApp } from '../src/runtimes.js';

/**
 * Bun and Deno as real runtimes (binaries from the npm registry), running core and the OpenAI adapter
 * from this workspace: serverless OTLP push in every protocol, and `/metrics` scraped by a real
 * Prometheus and linted by promtool.
 */
let openai: OpenAIServer;
let http: OtlpReceiver;
let grpc: OtlpReceiver;

beforeAll(async () => {
  openai = await startOpenAIServer({ promptTokens: 7 });
  http = await OtlpReceiver.start('http');
  grpc = await OtlpReceiver.start('grpc');
});

afterAll(async () => {
  await openai?.close();
  await http?.stop();
  await grpc?.stop();
});

describe.each(RUNTIMES)('$name', (runtime) => {
  it.each(['http/protobuf', 'http/json', 'grpc'] as const)(
    'serverless push over OTLP %s: exact counts and token sums at the receiver',
    async (protocol) => {
      const receiver = protocol === 'grpc' ? grpc : http;
      const run = await pushOnce(runtime, openai, receiver, protocol);
      expect(run.result).toEqual(EXPECTED_RESULT);
      expect(run.exited, run.output).toEqual({ code: 0, signal: null });
      // The invocation's flush, then shutdown's export (only the cumulative in-flight gauge is left).
      expect(run.received.every((e) => e.accepted)).toBe(true);
      const points = run.received.flatMap((e) => e.points);
      expect(totalsOf(points)).toEqual(EXPECTED_TOTALS);
      expect(new Set(points.map((p) => p.resource['service.name']))).toEqual(new Set(['runtime-tests-push']));
      for (const p of points) if (p.kind === 'histogram') expect(p.temporality).toBe('delta');
    },
  );

  it.each([
    ['the built-in listener (node:http)', 'apps/serve.ts'],
    ['its own server API and metricsResponse(request)', 'apps/serve-native.ts'],
  ])(
    'serves /metrics from %s to a real Prometheus; promtool finds nothing; SIGTERM ends it',
    async (_how, file) => {
      openai.enqueue({ chunks: 3 }, { chunks: 3 }, { status: 400 });
      const app = startApp(runtime, file, { OPENAI_BASE_URL: openai.baseURL });
      let prometheus: PrometheusServer | undefined;
      try {
        const { url, ...result } = await app.firstLine;
        expect(result).toEqual(EXPECTED_RESULT);
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
        prometheus = await PrometheusServer.start({ targets: [url as string] });
        await prometheus.waitForScrape();
        const value = (q: string) => prometheus!.queryValue(q);
        expect(await value('sum(gen_ai_client_operation_duration_count)')).toBe(3);
        expect(await value('sum(gen_ai_client_operation_duration_count{error_type="invalid_request"})')).toBe(
          1,
        );
        expect(await value('sum(gen_ai_client_token_usage_sum{gen_ai_token_type="input"})')).toBe(14);
        expect(await value('sum(gen_ai_client_token_usage_sum{gen_ai_token_type="output"})')).toBe(6);
        expect(await value('sum(gen_ai_client_token_usage_count)')).toBe(4);
        expect(await value('sum(gen_ai_client_operation_time_to_first_chunk_count)')).toBe(1);
        expect(await value('sum(gen_ai_client_operation_time_per_output_chunk_count)')).toBe(2);
        expect(await value('sum(up)')).toBe(1);

        const lint = promtoolCheckMetrics(await (await fetch(url as string)).text());
        expect(lint.problems, lint.output).toEqual([]);
        expect(lint.exitCode).toBe(0);

        app.stop('SIGTERM');
        expect(await app.exited, app.output()).toEqual({ code: null, signal: 'SIGTERM' });
      } finally {
        await prometheus?.stop();
        app.stop('SIGKILL');
      }
    },
  );
});
