import { promtoolCheckMetrics, seriesPerMetric } from '@genai-metrics/testkit';
import { expect } from 'vitest';

/**
 * Scrapes `/metrics` once and checks what every hostile-input suite asks of a scrape: it answers, the
 * exposition passes `promtool check metrics`, and no metric has more series than `cardinalityLimit`.
 * Returns the exposition for further checks.
 */
export async function scrapeChecked(url: string, cardinalityLimit: number): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const text = await res.text();
  const lint = promtoolCheckMetrics(text);
  expect(lint.exitCode, lint.output).toBe(0);
  for (const [name, series] of seriesPerMetric(text)) {
    expect(series, name).toBeLessThanOrEqual(cardinalityLimit);
  }
  return text;
}
