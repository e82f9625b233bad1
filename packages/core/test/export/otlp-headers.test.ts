import { validateHeaderName, validateHeaderValue } from 'node:http';
import { OtlpReceiver } from '@genai-metrics/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { validHeaders } from '../../src/export/otlp-request.js';
import { OTLP_PROTOCOLS, setupMetrics } from '../../src/index.js';

/**
 * `otlp.headers` go to node:http on every export, which throws on a header name that is not a token
 * or a value with a line break: setup used to succeed and every export then failed, reported through
 * diag alone while forceFlush() resolved — the app exported nothing, ever (a bearer token read from a
 * file with its trailing newline does it). Now setup refuses them, naming the header but never its
 * value (a credential); headers node:http takes still reach a real receiver, for every protocol.
 */
const BAD: Array<[string, Record<string, unknown>, RegExp]> = [
  ['a value ending in a newline', { authorization: 'Bearer s3cret\n' }, /'authorization'.*line break/],
  ['a value with CR LF inside', { 'x-tenant': 'a\r\nx-evil: 1' }, /'x-tenant'.*line break/],
  ['a value above U+00FF', { 'x-team': 'rocket 🚀' }, /'x-team'/],
  ['a name with a space', { 'api key': 'k' }, /'api key'.*not an HTTP header name/],
  ['a name with a colon', { 'x-key:': 'k' }, /not an HTTP header name/],
  ['a value that is not a string', { 'x-n': { toString: () => 'k' } }, /'x-n'.*must be a string/],
];

describe("setupMetrics refuses 'otlp.headers' that no request could carry", () => {
  for (const protocol of OTLP_PROTOCOLS) {
    it.each(BAD)(`${protocol}: %s`, async (_, headers, message) => {
      const setup = setupMetrics({
        exporter: 'otlp',
        otlp: { protocol, url: 'http://127.0.0.1:9/v1/metrics', headers: headers as Record<string, string> },
      });
      await expect(setup).rejects.toThrow(message);
      // The value may be a credential: it never appears in the message.
      await expect(setup).rejects.not.toThrow(/s3cret|evil|rocket/);
    });
  }
});

describe('headers HTTP can carry still reach the receiver', () => {
  const receivers: Partial<Record<'http' | 'grpc', OtlpReceiver>> = {};
  beforeAll(async () => {
    receivers.http = await OtlpReceiver.start('http');
    receivers.grpc = await OtlpReceiver.start('grpc');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await receivers.http?.stop();
    await receivers.grpc?.stop();
  });

  /** Sets up with `headers` (if any), exports one counter, and returns how many exports were accepted. */
  async function acceptedExports(
    protocol: (typeof OTLP_PROTOCOLS)[number],
    headers?: Record<string, string>,
  ) {
    const receiver = receivers[protocol === 'grpc' ? 'grpc' : 'http']!;
    const before = receiver.exports.length;
    const metrics = await setupMetrics({
      exporter: 'otlp',
      otlp: { protocol, url: receiver.metricsEndpoint, ...(headers ? { headers } : {}) },
    });
    try {
      metrics.meterProvider.getMeter('app').createCounter('jobs').add(2);
      await metrics.forceFlush();
      return receiver.exports.slice(before).filter((e) => e.accepted).length;
    } finally {
      await metrics.shutdown();
    }
  }

  it.each(OTLP_PROTOCOLS)('%s', async (protocol) => {
    // A tab and Latin-1 are allowed in a value (node:http sends them as they are).
    expect(await acceptedExports(protocol, { 'X-Tenant': 'café\tblue', x_b: '' })).toBe(1);
  });

  // The exporter URL-decodes them (otlp-headers-env.test.ts has the refusals).
  it.each(OTLP_PROTOCOLS)('%s, from OTEL_EXPORTER_OTLP_HEADERS', async (protocol) => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_HEADERS', 'authorization=Bearer%20abc,x-tenant=blue%20team');
    expect(await acceptedExports(protocol)).toBe(1);
  });
});

describe("the header rules are node:http's own", () => {
  const nodeTakes = (check: () => void) => {
    try {
      check();
      return true;
    } catch {
      return false;
    }
  };
  const weTake = (headers: Record<string, string>) => nodeTakes(() => validHeaders(headers));
  // Mostly header-like characters, with controls, separators and code points above U+00FF mixed in.
  const text = fc.string({
    unit: fc.oneof(
      fc.constantFrom(...'abcXYZ019-_.!#$%&*+^`|~'),
      fc.constantFrom(
        ' ',
        '\t',
        '\r',
        '\n',
        '\0',
        ':',
        '"',
        '(',
        '@',
        '\x7f',
        '\x80',
        '\xff',
        'é',
        'Ā',
        '🚀',
      ),
    ),
    maxLength: 12,
  });

  it('a name is refused exactly when node:http refuses it', () => {
    fc.assert(
      fc.property(text, (name) => {
        expect(weTake({ [name]: 'v' })).toBe(nodeTakes(() => validateHeaderName(name)));
      }),
      { numRuns: 500 },
    );
  });

  it('a value is refused exactly when node:http refuses it', () => {
    fc.assert(
      fc.property(text, (value) => {
        expect(weTake({ 'x-v': value })).toBe(nodeTakes(() => validateHeaderValue('x-v', value)));
      }),
      { numRuns: 500 },
    );
  });
});
