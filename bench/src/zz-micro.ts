import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOnSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { setupMetrics } from '@genai-metrics/core';
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const t = new BasicTracerProvider({ sampler: new AlwaysOnSampler() }).getTracer('x');
const on = await setupMetrics({ prometheus: { server: false } });
const off = await setupMetrics({ prometheus: { server: false }, exemplarFilter: 'always_off' });
const op = (h: typeof on) => { const o = h.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }); o.setUsage({ inputTokens: 12, outputTokens: 80 }); o.end(); };
const N = 200000;
t.startActiveSpan('r', (s) => {
  for (let r = 0; r < 8; r++) {
    for (const [n, h] of [['off', off], ['on', on]] as const) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N; i++) op(h);
      console.log(n, (Number(process.hrtime.bigint() - t0) / N).toFixed(0));
    }
  }
  s.end();
});
process.exit(0);
