import { describe, expect, it } from 'vitest';
import { inferProvider } from '../../src/openai/index.js';
import { serverInfo } from '../../src/shared/http-sdk/server.js';

/** server.address / server.port / provider from a base URL: pure parsing, no I/O. */
describe('server attributes from the base URL', () => {
  it('takes address and port, defaulting the port by scheme', () => {
    expect(serverInfo('http://127.0.0.1:8080/v1', undefined)).toEqual({
      address: '127.0.0.1',
      port: 8080,
      provider: 'openai',
    });
    expect(serverInfo('https://localhost/v1', undefined)).toMatchObject({ address: 'localhost', port: 443 });
    expect(serverInfo('http://[::1]/v1', undefined)).toMatchObject({ address: '::1', port: 80 });
  });

  it('records no address rather than a wrong one for a missing or invalid URL', () => {
    expect(serverInfo(undefined, undefined)).toEqual({
      address: undefined,
      port: undefined,
      provider: 'openai',
    });
    expect(serverInfo('not a url', 'vllm')).toEqual({
      address: undefined,
      port: undefined,
      provider: 'vllm',
    });
  });

  it('infers the provider from host-name labels; providerName wins', () => {
    // Host names built from labels: the inference matches labels, not whole names.
    const host = (...labels: string[]) => labels.join('.');
    expect(inferProvider(host('myres', 'openai', 'azure', 'com'))).toBe('azure.ai.openai');
    expect(inferProvider(host('api', 'groq', 'com'))).toBe('groq');
    expect(inferProvider(host('api', 'x', 'ai'))).toBe('x_ai');
    expect(inferProvider(host('api', 'mistral', 'ai'))).toBe('mistral_ai');
    expect(inferProvider(host('generativelanguage', 'googleapis', 'com'))).toBe('gcp.gemini');
    // Moonshot AI's OpenAI- and Anthropic-compatible APIs (.ai and .cn): a well-known provider name.
    expect(inferProvider(host('api', 'moonshot', 'ai'))).toBe('moonshot_ai');
    expect(inferProvider(host('api', 'moonshot', 'cn'), 'anthropic')).toBe('moonshot_ai');
    expect(inferProvider('127.0.0.1')).toBe('openai');
    expect(serverInfo(`https://${host('api', 'groq', 'com')}/openai/v1`, 'custom').provider).toBe('custom');
  });

  it('Azure OpenAI on every Azure front door: openai.azure.com, cognitiveservices.azure.com, and /openai paths of Foundry hosts', () => {
    const host = (...labels: string[]) => labels.join('.');
    // The AzureOpenAI client appends /openai to its endpoint; newer resources answer on cognitiveservices.
    expect(
      serverInfo(`https://${host('myres', 'cognitiveservices', 'azure', 'com')}/openai`, undefined),
    ).toEqual({
      address: host('myres', 'cognitiveservices', 'azure', 'com'),
      port: 443,
      provider: 'azure.ai.openai',
    });
    // A Foundry resource serves Azure OpenAI under /openai/v1 and the model inference API elsewhere.
    const foundry = host('myres', 'services', 'ai', 'azure', 'com');
    expect(serverInfo(`https://${foundry}/openai/v1/`, undefined).provider).toBe('azure.ai.openai');
    expect(serverInfo(`https://${foundry}/models`, undefined).provider).toBe('azure.ai.inference');
    // A Foundry project's OpenAI client (@azure/ai-projects' getOpenAIClient(): a plain OpenAI client on
    // the project endpoint's /openai/v1) speaks Azure OpenAI too.
    expect(serverInfo(`https://${foundry}/api/projects/my-project/openai/v1`, undefined).provider).toBe(
      'azure.ai.openai',
    );
    expect(serverInfo(`https://${foundry}/api/projects/my-project`, undefined).provider).toBe(
      'azure.ai.inference',
    );
    // Not an Azure host: the path says nothing (a proxy may mount anything under /openai).
    expect(serverInfo('http://127.0.0.1:8080/openai/v1', undefined).provider).toBe('openai');
    expect(serverInfo(`https://${foundry}/openai/v1`, undefined, 'anthropic').provider).toBe(
      'azure.ai.openai',
    );
    expect(serverInfo(`https://${foundry}/anthropic`, undefined, 'anthropic').provider).toBe(
      'azure.ai.inference',
    );
  });

  it('Azure AI model inference on its own hosts: serverless deployments and the shared models endpoint', () => {
    const host = (...labels: string[]) => labels.join('.');
    // A serverless API deployment (Llama, Mistral… pay-as-you-go), OpenAI-compatible under /v1.
    const serverless = host('Meta-Llama-3-70B-abcd', 'eastus2', 'models', 'ai', 'azure', 'com');
    expect(serverInfo(`https://${serverless}/v1`, undefined).provider).toBe('azure.ai.inference');
    // The shared Azure AI model inference endpoint (GitHub Models' first home).
    expect(inferProvider(host('models', 'inference', 'ai', 'azure', 'com'))).toBe('azure.ai.inference');
  });

  it('Cloudflare AI Gateway: the provider its path names (/v1/{account}/{gateway}/{provider})', () => {
    const gateway = (provider: string) => `https://gateway.ai.cloudflare.com/v1/acct123/my-gw/${provider}`;
    expect(serverInfo(gateway('groq'), undefined)).toEqual({
      address: 'gateway.ai.cloudflare.com',
      port: 443,
      provider: 'groq',
    });
    expect(serverInfo(gateway('openai'), undefined).provider).toBe('openai');
    expect(serverInfo(`${gateway('azure-openai')}/myres/mydeployment`, undefined).provider).toBe(
      'azure.ai.openai',
    );
    expect(serverInfo(`${gateway('mistral')}/v1`, undefined).provider).toBe('mistral_ai');
    expect(serverInfo(gateway('deepseek'), undefined).provider).toBe('deepseek');
    expect(serverInfo(gateway('perplexity-ai'), undefined).provider).toBe('perplexity');
    expect(serverInfo(`${gateway('google-ai-studio')}/v1beta/openai`, undefined).provider).toBe('gcp.gemini');
    expect(serverInfo(gateway('grok'), undefined).provider).toBe('x_ai');
    expect(serverInfo(gateway('anthropic'), undefined, 'anthropic').provider).toBe('anthropic');
    // The unified endpoint names the provider in each request's model, Workers AI is Cloudflare's own:
    // the SDK's provider, as for any host the table does not know.
    expect(serverInfo(gateway('compat'), undefined).provider).toBe('openai');
    expect(serverInfo(`${gateway('workers-ai')}/v1`, undefined).provider).toBe('openai');
    expect(serverInfo(gateway('groq'), 'custom').provider).toBe('custom');
  });

  it("falls back to the SDK's own provider; regional cloud hosts still match", () => {
    const host = (...labels: string[]) => labels.join('.');
    expect(inferProvider('127.0.0.1', 'anthropic')).toBe('anthropic');
    expect(inferProvider(host('api', 'anthropic', 'com'), 'anthropic')).toBe('anthropic');
    // The Anthropic SDK's Bedrock and Vertex clients talk to regional front doors.
    expect(inferProvider(host('bedrock-runtime', 'us-east-1', 'amazonaws', 'com'), 'anthropic')).toBe(
      'aws.bedrock',
    );
    expect(inferProvider(host('us-east5-aiplatform', 'googleapis', 'com'), 'anthropic')).toBe(
      'gcp.vertex_ai',
    );
    expect(inferProvider(host('aiplatform', 'googleapis', 'com'), 'anthropic')).toBe('gcp.vertex_ai');
    // Bedrock Mantle serves the Anthropic and OpenAI APIs on its own host.
    expect(inferProvider(host('bedrock-mantle', 'eu-west-1', 'api', 'aws'))).toBe('aws.bedrock');
    // A label must match whole, or as the last part of a hyphenated label: no substring matches.
    expect(inferProvider(host('notgroq', 'example', 'com'))).toBe('openai');
    expect(serverInfo('not a url', undefined, 'anthropic').provider).toBe('anthropic');
  });
});
