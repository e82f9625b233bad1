import { describe, expect, it } from 'vitest';
import { setupMetrics } from '../../src/index.js';

/**
 * `prometheus.auth.bearerToken` read from a file keeps its trailing newline. No scraper can send it:
 * an HTTP header value loses its leading and trailing whitespace on the way in, and a line break
 * cannot be in one at all (fetch and node:http refuse to send it). Setup took such a token, and every
 * scrape was answered 401 for as long as the app ran. Setup now
 * refuses it, without showing the token; one with a space inside still works.
 */
describe('prometheus.auth.bearerToken', () => {
  it.each(['s3cret\n', 's3cret\r\n', ' s3cret', 's3cret\t', 'a\nb'])(
    '%j is refused at setup',
    async (bearerToken) => {
      const setup = setupMetrics({ prometheus: { port: 0, auth: { bearerToken } } });
      await expect(setup).rejects.toThrow(/'prometheus\.auth\.bearerToken' starts or ends with whitespace/);
      await expect(setup).rejects.not.toThrow(/s3cret/);
    },
  );

  it('a token with a space inside is served', async () => {
    const metrics = await setupMetrics({ prometheus: { port: 0, auth: { bearerToken: 'two words' } } });
    try {
      const res = await fetch(metrics.url!, { headers: { authorization: 'Bearer two words' } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    } finally {
      await metrics.shutdown();
    }
  });
});
