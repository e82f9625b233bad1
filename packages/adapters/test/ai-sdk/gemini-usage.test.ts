import { createGoogleGenerativeAI as googleV3 } from 'ai-sdk-google-v3';
import { createGoogleGenerativeAI as googleV4 } from 'ai-sdk-google-v4';
import * as ai6 from 'ai-v6';
import * as ai7 from 'ai-v7';
import { describe, expect, it } from 'vitest';
import { genAiMiddleware } from '../../src/ai-sdk/index.js';
import { collectWhenIdle, metricsPipeline } from '../shared/harness.js';
import { useAnsweringServer } from '../shared/lifecycle.js';

/**
 * Gemini reports its usage by modality (`promptTokensDetails`, `candidatesTokensDetails`: lists of
 * `{ modality, tokenCount }`); `@ai-sdk/google` keeps that object as the usage's `raw`. The latest usage
 * counters split their totals by it. The real provider packages (3.x for ai 6, 4.x for ai 7) talk to
 * a Gemini-shaped server this test runs: `:generateContent` as JSON, `:streamGenerateContent` as SSE.
 */
const USAGE = {
  promptTokenCount: 1300,
  candidatesTokenCount: 12,
  thoughtsTokenCount: 4,
  totalTokenCount: 1316,
  promptTokensDetails: [
    { modality: 'TEXT', tokenCount: 42 },
    { modality: 'IMAGE', tokenCount: 1000 },
    { modality: 'VIDEO', tokenCount: 258 },
  ],
  candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 12 }],
};
const answer = (text: string, last: boolean) => ({
  candidates: [
    { content: { parts: [{ text }], role: 'model' }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) },
  ],
  ...(last ? { usageMetadata: USAGE } : {}),
  modelVersion: 'gemini-test-001',
});

const baseURL = useAnsweringServer('/v1beta', (req, res) => {
  if (req.url?.includes(':streamGenerateContent')) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify(answer('hello ', false))}\n\n`);
    res.end(`data: ${JSON.stringify(answer('there', true))}\n\n`);
  } else {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer('hello there', true)));
  }
});

// biome-ignore lint/suspicious/noExplicitAny: two majors' incompatible types behind one table (as sdks.ts).
type Any = any;
const MAJORS: Array<{ name: string; ai: Any; google: Any }> = [
  { name: 'ai 6', ai: ai6, google: googleV3 },
  { name: 'ai 7', ai: ai7, google: googleV4 },
];

describe.each(MAJORS)('$name with @ai-sdk/google', ({ ai, google }) => {
  it('generateText and streamText split the latest usage counters by Gemini modality', async () => {
    const { harness, metrics } = metricsPipeline('latest');
    const model = ai.wrapLanguageModel({
      model: google({ apiKey: 'test', baseURL: baseURL() })('gemini-test'),
      middleware: genAiMiddleware({ metrics }),
    });
    expect((await ai.generateText({ model, prompt: 'hi' })).text).toBe('hello there');
    expect(await ai.streamText({ model, prompt: 'hi' }).text).toBe('hello there');
    const m = await collectWhenIdle(harness);
    const split = (kind: string) => {
      const out: Record<string, number> = {};
      for (const p of m.points(`gen_ai.client.inference.usage.${kind}`)) {
        out[String(p.attributes['gen_ai.token.modality'])] = p.value as number;
      }
      return out;
    };
    // Two calls; the video part has no well-known modality, so it stays with the unknown rest.
    expect(split('input_tokens')).toEqual({ text: 84, image: 2000, unknown: 516 });
    // Output: candidates (text) + thoughts; the thoughts are not broken down.
    expect(split('output_tokens')).toEqual({ text: 24, unknown: 8 });
    expect(split('reasoning.output_tokens')).toEqual({ unknown: 8 });
    await harness.shutdown();
  });
});
