import { execFile } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { defaultClusterDirectory } from '../../src/cluster/directory.js';
import { setupMetrics } from '../../src/index.js';
import { samples } from './support/cluster-app.js';
import { scratch } from './support/scratch.js';

/** setupMetrics({ cluster }) in one process: options, the listener hand-over, a port taken by a stranger. */
const execFileAsync = promisify(execFile);
const OTHER_APP = fileURLToPath(new URL('./fixtures/other-app.ts', import.meta.url));
const { handles, dirs, directory } = scratch('genai-metrics-setup-');

describe('setupMetrics({ cluster })', () => {
  it('rejects bad options with the name of the setting', async () => {
    await expect(setupMetrics({ cluster: { collectTimeoutMillis: -1 } })).rejects.toThrow(
      "'cluster.collectTimeoutMillis' must be a positive integer",
    );
    await expect(setupMetrics({ cluster: { merge: { 'hw.power': 'avg' as never } } })).rejects.toThrow(
      "valid rules: 'sum', 'max', 'min', 'one'",
    );
    await expect(setupMetrics({ cluster: 'yes' as never })).rejects.toThrow("'cluster' must be true, false");
    await expect(setupMetrics({ cluster: { processLabel: 'false' as never } })).rejects.toThrow(
      "'cluster.processLabel' must be true or false, got the string 'false'",
    );
    await expect(setupMetrics({ cluster: true, serverless: true })).rejects.toThrow('cannot be combined');
  });

  it('rejects a directory it cannot write with the setting to change', async () => {
    const dir = await directory();
    const file = join(dir, 'a-file');
    await writeFile(file, '');
    const bad = join(file, 'cluster');
    await expect(setupMetrics({ prometheus: { port: 0 }, cluster: { directory: bad } })).rejects.toThrow(
      `setupMetrics option 'cluster.directory': cannot keep the cluster's files in ${bad} (ENOTDIR`,
    );
  });

  // Node's own recursive mkdir never returns here (it re-creates /proc, which exists, and retries).
  it('rejects a directory under /proc instead of hanging', async () => {
    const bad = '/proc/genai-metrics-no-such/cluster';
    await expect(setupMetrics({ prometheus: { port: 0 }, cluster: { directory: bad } })).rejects.toThrow(
      `setupMetrics option 'cluster.directory': cannot keep the cluster's files in ${bad} (ENOENT`,
    );
  });

  it('creates missing parent directories, private to the user', async () => {
    const dir = join(await directory(), 'a', 'b', 'cluster');
    handles.push(await setupMetrics({ prometheus: { port: 0 }, cluster: { directory: dir } }));
    for (const d of [dir, dirname(dir), dirname(dirname(dir))])
      expect((await stat(d)).mode & 0o777).toBe(0o700);
  });

  it('a second member asking for the same port uses the first one’s listener, which serves both', async () => {
    const dir = await directory();
    const first = await setupMetrics({ prometheus: { port: 0 }, cluster: { directory: dir } });
    handles.push(first);
    const second = await setupMetrics({ prometheus: { port: 0 }, cluster: { directory: dir } });
    handles.push(second);
    expect(second.url).toBe(first.url);
    const op = second.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' });
    op.end();
    const text = await (await fetch(first.url!)).text();
    expect(samples(text, 'gen_ai_client_operation_duration_count')).toEqual([1]);
    expect(samples(text, 'llm_cluster_processes', { llm_cluster_process_state: 'answered' })).toEqual([2]);
    // The fetch-style handler of the member that serves nothing shows the same merged view.
    const fromResponse = await (await second.metricsResponse()).text();
    expect(samples(fromResponse, 'gen_ai_client_operation_duration_count')).toEqual([1]);
    // Each process has its own identity; the merged target_info keeps only what they share.
    expect(first.meterProvider).not.toBe(second.meterProvider);
    expect(text).toMatch(/target_info\{[^}]*service_name="unknown_service/);
    expect(text).not.toContain('service_instance_id');
  });

  it('still rejects a port that something outside the cluster holds', async () => {
    const stranger = createServer();
    await new Promise<void>((r) => stranger.listen(0, '127.0.0.1', () => r()));
    const port = (stranger.address() as { port: number }).port;
    try {
      await expect(
        setupMetrics({ prometheus: { port }, cluster: { directory: await directory() } }),
      ).rejects.toThrow(`port ${port} is already in use`);
    } finally {
      stranger.close();
    }
  });

  it('keeps a service.instance.id the user set', async () => {
    const dir = await directory();
    const h = await setupMetrics({
      prometheus: { server: false },
      cluster: { directory: dir, processLabel: true },
      resourceAttributes: { 'service.instance.id': 'my-instance' },
    });
    handles.push(h);
    h.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'm' }).end();
    const text = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      const res = {
        headersSent: false,
        writeHead() {
          return res;
        },
        end(body: string) {
          chunks.push(Buffer.from(body));
          resolve(Buffer.concat(chunks).toString());
        },
      };
      h.metricsHandler({ headers: {} } as never, res as never);
    });
    // processLabel: the series carry the process's service.instance.id.
    expect(text).toMatch(/gen_ai_client_operation_duration_count\{[^}]*service_instance_id="my-instance"/);
  });

  it('meets the processes of one PM2 app in one default directory, and keeps two apps apart', () => {
    // PM2 copies its per-process settings (pm_id, name) into each worker's environment.
    const app = (name: string, id: string) => defaultClusterDirectory({ pm_id: id, name });
    expect(app('api', '0')).toBe(app('api', '3'));
    expect(app('api', '0')).not.toBe(app('worker', '1'));
    expect(defaultClusterDirectory({})).toMatch(new RegExp(`${process.pid}-[0-9a-f]{16}$`));
  });

  it('keeps another app this process starts out of its cluster, whose /metrics shows neither’s data', async () => {
    // Handing the directory to threads through process.env handed it to child processes too: a helper
    // app started by a clustered one joined its cluster and served its scrape (found by hand).
    const own = await setupMetrics({ serviceName: 'this-app', prometheus: { port: 0 }, cluster: true });
    handles.push(own);
    dirs.push(defaultClusterDirectory());
    own.genai.startOperation({ operation: 'chat', provider: 'openai', requestModel: 'this-app' }).end();
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', OTHER_APP], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const other = JSON.parse(stdout.trim().split('\n').at(-1)!) as { url: string; text: string };
    expect(other.url).not.toBe(own.url);
    const model = (name: string) => ({ gen_ai_request_model: name });
    expect(samples(other.text, 'gen_ai_client_operation_duration_count', model('other-app'))).toEqual([5]);
    expect(samples(other.text, 'gen_ai_client_operation_duration_count', model('this-app'))).toEqual([]);
    const text = await (await fetch(own.url!)).text();
    expect(samples(text, 'gen_ai_client_operation_duration_count', model('this-app'))).toEqual([1]);
    expect(samples(text, 'gen_ai_client_operation_duration_count', model('other-app'))).toEqual([]);
  });
});
