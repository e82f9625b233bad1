/**
 * Invokes the handler a few times the way a serverless runtime would, and shows what each flush
 * delivered. Without OTEL_EXPORTER_OTLP_ENDPOINT set, it runs a small OTLP/HTTP JSON receiver on
 * 127.0.0.1 itself; with it set, the metrics go to your collector instead.
 *   pnpm start            print what arrived
 *   pnpm test             same, and exit 1 unless every invocation's flush arrived before it returned
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const check = process.argv.includes('--check');
const received: Array<{ metric: string; count?: number; temporality?: number }[]> = [];
let server: ReturnType<typeof createServer> | undefined;

if (!process.env.OTEL_EXPORTER_OTLP_ENDPOINT && !process.env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      received.push(pointsOf(JSON.parse(body)));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT = `http://127.0.0.1:${port}/v1/metrics`;
  process.env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL = 'http/json';
}

// Imported after the environment is set, as a runtime loads the function's module.
const { handler } = await import('./handler.js');

let failures = 0;
for (const prompt of ['hello from a function', 'a second cold-ish call', '']) {
  const before = received.length;
  const result = await handler({ prompt }).catch((e: Error) => ({ error: e.message }));
  const arrived = received.slice(before).flat();
  const duration = arrived.find((p) => p.metric === 'gen_ai.client.operation.duration');
  console.log(
    `invocation ${JSON.stringify(prompt)} → ${JSON.stringify(result)}; flush delivered ${arrived.length} points,`,
    `operation.duration count=${duration?.count ?? '—'} (temporality ${duration?.temporality === 1 ? 'delta' : duration?.temporality})`,
  );
  if (server && duration?.count !== 1) failures++;
}
server?.close();
if (check && failures > 0) {
  console.error(`${failures} invocation(s) returned before their metrics arrived`);
  process.exit(1);
}

type Json = Record<string, unknown>;
function pointsOf(request: Json): { metric: string; count?: number; temporality?: number }[] {
  const out: { metric: string; count?: number; temporality?: number }[] = [];
  for (const rm of (request.resourceMetrics as Json[]) ?? [])
    for (const sm of (rm.scopeMetrics as Json[]) ?? [])
      for (const m of (sm.metrics as Json[]) ?? []) {
        const hist = m.histogram as
          | { dataPoints: { count: number | string }[]; aggregationTemporality: number }
          | undefined;
        if (hist) {
          for (const dp of hist.dataPoints)
            out.push({
              metric: String(m.name),
              count: Number(dp.count),
              temporality: hist.aggregationTemporality,
            });
        } else out.push({ metric: String(m.name) });
      }
  return out;
}
