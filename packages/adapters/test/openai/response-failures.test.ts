import { startOpenAIServer } from '@genai-metrics/testkit';
import { describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/openai/index.js';
import { collectWhenIdle, DURATION, metricsPipeline } from '../shared/harness.js';
import { useServer } from '../shared/lifecycle.js';
import { SDKS } from './sdks.js';

/**
 * A Responses API call that fails after a 200 (`status: "failed"`) says why in `error.code`, from the
 * API's own list (ResponseError in the SDK's types); its `type` is often absent. The code alone must
 * give the failure its error.type: a bad image or prompt is the caller's request, a vector store
 * timeout a timeout.
 */
describe.each(SDKS)('openai v$major: Responses API failure codes', ({ OpenAI }) => {
  const server = useServer(startOpenAIServer);

  it.each([
    ['invalid_prompt', 'invalid_request'],
    ['invalid_image_url', 'invalid_request'],
    ['image_too_large', 'invalid_request'],
    ['failed_to_download_image', 'invalid_request'],
    ['vector_store_timeout', 'timeout'],
    ['server_error', 'server_error'],
    ['rate_limit_exceeded', 'rate_limited'],
    ['a_code_from_next_year', '_OTHER'],
  ])('a streamed response.failed with code %s → error.type %s', async (code, errorType) => {
    const { harness, metrics } = metricsPipeline();
    const client = instrumentOpenAI(
      new OpenAI({ apiKey: 'test', baseURL: server().baseURL, maxRetries: 0 }),
      { metrics },
    );
    const failed = {
      type: 'response.failed',
      response: { id: 'resp_1', object: 'response', status: 'failed', error: { code, message: 'no' } },
    };
    server().enqueue({ chunks: 2, injectEvents: [failed] });
    for await (const _ of await client.responses.create({ model: 'm', input: 'hi', stream: true }));
    const m = await collectWhenIdle(harness);
    const points = m.points(DURATION);
    expect(points).toHaveLength(1);
    expect(points[0]!.attributes['error.type']).toBe(errorType);
    await harness.shutdown();
  });
});
