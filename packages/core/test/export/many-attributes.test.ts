import { afterEach, describe, expect, it } from 'vitest';
import { type MetricsHandle, setupMetrics } from '../../src/index.js';

/**
 * An app instrument on `handle.meterProvider` recorded with a huge attribute set (a whole request
 * object spread into attributes). The SDK bounds series, not the attributes of one series, so the
 * exposition gets them all. Labels were merged with a linear search per attribute — quadratic: one
 * point with 10,000 attributes blocked the event loop for ~9 s in a single slice of the scrape (and
 * 40,000 for a minute). They are linear now: this test, 30,000 attributes, took minutes before and
 * runs in well under a second now (the default test timeout is the only clock here, 100× away).
 */
const handles: MetricsHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.shutdown()));
});

describe('a point with thousands of attributes', () => {
  it('is rendered in one pass, each label once, colliding names still merged', async () => {
    const h = await setupMetrics({ prometheus: { server: false } });
    handles.push(h);
    const attributes: Record<string, string> = {};
    const count = 30_000;
    for (let i = 0; i < count; i++) attributes[`request.field.${i}`] = `v${i}`;
    // `a.b` and `a_b` become one label name: their values are joined, as before.
    attributes['a.b'] = 'x';
    attributes.a_b = 'y';
    h.meterProvider.getMeter('app').createCounter('app_requests').add(1, attributes);
    const res = await h.metricsResponse();
    const body = await res.text();
    const line = body.split('\n').find((l) => l.startsWith('app_requests_total{'));
    expect(line).toBeDefined();
    expect(line!.match(/request_field_\d+="/g)).toHaveLength(count);
    expect(line).toContain('request_field_29999="v29999"');
    expect(line).toContain('a_b="x;y"');
  });
});
