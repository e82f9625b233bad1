import { readFileSync } from 'node:fs';
import { startAnthropicServer, startOpenAIServer } from '@genai-metrics/testkit';
import { createAnthropic } from 'ai-sdk-anthropic-v4';
import { createOpenAI } from 'ai-sdk-openai-v4';
import { generateText, stepCountIs, streamText, tool, wrapLanguageModel } from 'ai-v7';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { genAiMiddleware, instrumentTools, measureAgent } from '../../src/ai-sdk/index.js';
import { scrapedChat, scrapedStreams, usePrometheusE2E } from '../shared/lifecycle.js';

/**
 * End to end: ai 7 with two real provider packages over HTTP, the middleware, tools and an agent
 * loop; setupMetrics' Prometheus listener; the real Prometheus binary scraping it; PromQL must agree.
 */
describe('ai-sdk → setupMetrics → real Prometheus', () => {
  const prometheus = usePrometheusE2E(
    'ai-sdk-e2e',
    async () => {
      const [openai, anthropic] = await Promise.all([startOpenAIServer(), startAnthropicServer()]);
      return {
        openai,
        anthropic,
        close: async () => void (await Promise.all([openai.close(), anthropic.close()])),
      };
    },
    async ({ openai, anthropic }, metrics, scraped) => {
      const middleware = genAiMiddleware({ metrics });
      const gpt = wrapLanguageModel({
        model: createOpenAI({ apiKey: 't', baseURL: openai.baseURL }).chat('gpt-e2e'),
        middleware,
      });
      const claude = wrapLanguageModel({
        model: createAnthropic({ apiKey: 't', baseURL: `${anthropic.baseURL}/v1` })('claude-e2e'),
        middleware,
      });
      // Three slow streams from each provider, read to the end.
      const slow = { firstByteDelayMs: 200, chunkDelayMs: 30, chunks: 5 };
      openai.enqueue(slow, slow, slow);
      anthropic.enqueue(slow, slow, slow);
      await Promise.all(
        [gpt, gpt, gpt, claude, claude, claude].map((model) =>
          streamText({ model, prompt: 'hi' }).consumeStream(),
        ),
      );
      // One failure each.
      openai.enqueue({ status: 500 });
      anthropic.enqueue({ status: 529 });
      for (const model of [gpt, claude]) {
        await expect(generateText({ model, prompt: 'hi', maxRetries: 0 })).rejects.toThrow();
      }
      // An agent loop on each: two tools, one throwing; then the answer.
      const tools = instrumentTools(
        {
          weather: tool({ inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => city }),
          broken: tool({
            inputSchema: z.object({}),
            execute: async (): Promise<string> => {
              throw new Error('down');
            },
          }),
        },
        { metrics, agentName: 'travel' },
      );
      const round = {
        toolCalls: [
          { name: 'weather', arguments: { city: 'Oslo' } },
          { name: 'broken', arguments: {} },
        ],
      };
      openai.enqueue(round, {});
      anthropic.enqueue(round, {});
      for (const model of [gpt, claude]) {
        await measureAgent(() => generateText({ model, tools, prompt: 'trip?', stopWhen: stepCountIs(4) }), {
          metrics,
          agentName: 'travel',
        });
        // Prometheus sees the tool and agent series once before the second run adds to them: a
        // series first scraped at its final value has a rate of 0, and the dashboard's means over it
        // rightly show nothing (0/0).
        if (model === gpt) await scraped();
      }
    },
  );

  it('counts model calls, failures and tokens per provider exactly', async () => {
    const model = (provider: string, m: string) =>
      `gen_ai_operation_name="chat",gen_ai_provider_name="${provider}",gen_ai_request_model="${m}"`;
    // 3 streams + 1 failure + 2 loop calls; input 7 per answered call, output 5 per stream, 3 per loop call.
    expect(await scrapedChat(prometheus(), model('openai', 'gpt-e2e'), 'server_error')).toEqual({
      calls: 6,
      failed: 1,
      input: 35,
      output: 21,
    });
    expect(await scrapedChat(prometheus(), model('anthropic', 'claude-e2e'), 'server_error')).toEqual({
      calls: 6,
      failed: 1,
      input: 35,
      output: 21,
    });
    expect(
      await prometheus().queryValue('sum(llm_generation_stops_total{llm_stop_reason="function_calls"})'),
    ).toBe(2);
  });

  it('places the streams’ timings in the right buckets', async () => {
    const scraped = await scrapedStreams(prometheus(), 0.16);
    expect(scraped).toMatchObject({ streams: 6, gaps: 24 });
    expect(scraped.underFloor).toBe(0);
    expect(scraped.toLastChunk).toBeGreaterThanOrEqual(6 * 0.35);
  });

  it('tool executions and agent invocations: names, failures and calls per invocation', async () => {
    const q = (expr: string) => prometheus().queryValue(expr);
    expect(
      await q(
        'sum(gen_ai_execute_tool_duration_count{gen_ai_tool_name="weather",gen_ai_agent_name="travel"})',
      ),
    ).toBe(2);
    expect(
      await q('sum(gen_ai_execute_tool_duration_count{gen_ai_tool_name="broken",error_type="_OTHER"})'),
    ).toBe(2);
    expect(await q('sum(gen_ai_invoke_agent_duration_count{gen_ai_agent_name="travel"})')).toBe(2);
    expect(
      await q(
        'sum(gen_ai_invoke_agent_inference_calls_sum) / sum(gen_ai_invoke_agent_inference_calls_count)',
      ),
    ).toBe(2);
    expect(await q('sum(gen_ai_invoke_agent_tool_calls_sum{gen_ai_agent_name="travel"})')).toBe(4);
  });

  it("every query of the dashboard's Tools and agents row returns data", async () => {
    const dashboard = JSON.parse(
      readFileSync(new URL('../../../../docs/dashboards/genai-metrics.json', import.meta.url), 'utf8'),
    ) as { panels: { type: string; title: string; targets?: { expr: string }[] }[] };
    // rate() needs two samples of each series: one more scrape after the one that saw the calls.
    await prometheus().waitForScrape();
    let row = '';
    const empty: string[] = [];
    let checked = 0;
    for (const panel of dashboard.panels) {
      if (panel.type === 'row') row = panel.title;
      if (row !== 'Tools and agents') continue;
      for (const target of panel.targets ?? []) {
        const expr = target.expr
          .replaceAll('$__rate_interval', '2m')
          .replace(/\$(job|provider|model)\b/g, '.*');
        checked++;
        if ((await prometheus().query(expr)).length === 0) empty.push(`${panel.title}: ${expr}`);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
    expect(empty).toEqual([]);
  });
});
