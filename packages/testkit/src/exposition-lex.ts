/**
 * The line-level reading shared by both exposition parsers (exposition-parse.ts): one sample line
 * (name, labels, value, timestamp, OpenMetrics exemplar), label value escapes, HELP escapes and
 * numbers. Each reports what breaks the format into `problems` instead of throwing.
 */

import type { ParsedSample } from './exposition-parse.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Cursor {
  s: string;
  i: number;
}

export function parseSampleLine(
  line: string,
  om: boolean,
  problems: string[],
  where: string,
): ParsedSample | undefined {
  const c: Cursor = { s: line, i: 0 };
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) {
    problems.push(`${where}: no metric name: ${line}`);
    return undefined;
  }
  const name = nameMatch[0];
  c.i = name.length;
  let labels: Record<string, string> = {};
  if (line[c.i] === '{') {
    const parsed = parseLabels(c, om, problems, where);
    if (!parsed) return undefined;
    labels = parsed;
  }
  if (line[c.i] !== ' ') {
    problems.push(`${where}: expected a space before the value: ${line}`);
    return undefined;
  }
  c.i++;
  const valueEnd = line.indexOf(' ', c.i);
  const valueText = line.slice(c.i, valueEnd === -1 ? undefined : valueEnd);
  const value = parseNumber(valueText);
  if (value === undefined) {
    problems.push(`${where}: bad value ${valueText}`);
    return undefined;
  }
  c.i = valueEnd === -1 ? line.length : valueEnd;
  const sample: ParsedSample = { name, labels, value };
  if (c.i === line.length) return sample;
  // An optional timestamp, then (OpenMetrics) an optional exemplar.
  if (!line.startsWith(' # ', c.i)) {
    const tsEnd = line.indexOf(' ', c.i + 1);
    const ts = line.slice(c.i + 1, tsEnd === -1 ? undefined : tsEnd);
    if (parseNumber(ts) === undefined) problems.push(`${where}: bad timestamp ${ts}`);
    c.i = tsEnd === -1 ? line.length : tsEnd;
    if (c.i === line.length) return sample;
  }
  if (!om || !line.startsWith(' # ', c.i)) {
    problems.push(`${where}: unexpected text after the value: ${line.slice(c.i)}`);
    return sample;
  }
  c.i += 3;
  if (line[c.i] !== '{') {
    problems.push(`${where}: exemplar without a label set`);
    return sample;
  }
  const exLabels = parseLabels(c, true, problems, where);
  if (!exLabels) return sample;
  const rest = line.slice(c.i).split(' ');
  if (rest[0] !== '' || rest.length < 2 || rest.length > 3) {
    problems.push(`${where}: bad exemplar value/timestamp: ${line.slice(c.i)}`);
    return sample;
  }
  const exValue = parseNumber(rest[1]!);
  const exTs = rest[2] === undefined ? undefined : parseNumber(rest[2]);
  if (exValue === undefined) problems.push(`${where}: bad exemplar value ${rest[1]}`);
  if (rest[2] !== undefined && exTs === undefined)
    problems.push(`${where}: bad exemplar timestamp ${rest[2]}`);
  sample.exemplar = { labels: exLabels, value: exValue ?? Number.NaN, timestamp: exTs };
  return sample;
}

function parseLabels(
  c: Cursor,
  om: boolean,
  problems: string[],
  where: string,
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  c.i++; // {
  if (c.s[c.i] === '}') {
    c.i++;
    return out;
  }
  for (;;) {
    const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(c.s.slice(c.i));
    if (!m) {
      problems.push(`${where}: bad label name at ${c.s.slice(c.i, c.i + 20)}`);
      return undefined;
    }
    const name = m[0];
    c.i += name.length;
    if (c.s[c.i] !== '=' || c.s[c.i + 1] !== '"') {
      problems.push(`${where}: expected ="… after label ${name}`);
      return undefined;
    }
    c.i += 2;
    let value = '';
    for (;;) {
      const ch = c.s[c.i];
      if (ch === undefined) {
        problems.push(`${where}: unterminated label value`);
        return undefined;
      }
      if (ch === '"') break;
      if (ch === '\\') {
        const next = c.s[c.i + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else {
          problems.push(`${where}: bad escape \\${next} in label ${name}`);
          value += next ?? '';
        }
        c.i += 2;
        continue;
      }
      value += ch;
      c.i++;
    }
    c.i++; // closing quote
    if (!LABEL_NAME.test(name)) problems.push(`${where}: bad label name ${name}`);
    if (name in out) problems.push(`${where}: label ${name} twice`);
    out[name] = value;
    if (c.s[c.i] === ',') {
      c.i++;
      if (!om && c.s[c.i] === '}') {
        c.i++;
        return out;
      }
      continue;
    }
    if (c.s[c.i] === '}') {
      c.i++;
      return out;
    }
    problems.push(`${where}: expected , or } after label ${name}`);
    return undefined;
  }
}

export function unescapeHelp(text: string, om: boolean, problems: string[], where: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = text[i + 1];
    if (next === 'n') out += '\n';
    else if (next === '\\') out += '\\';
    else if (om && next === '"') out += '"';
    else if (om) problems.push(`${where}: bad escape in HELP`);
    else out += `\\${next ?? ''}`;
    i++;
  }
  return out;
}

/** A number as both formats write it (Go's ParseFloat rules, as Prometheus reads them). */
export function parseNumber(text: string): number | undefined {
  const t = text.toLowerCase();
  if (t === '+inf' || t === 'inf' || t === '+infinity' || t === 'infinity') return Number.POSITIVE_INFINITY;
  if (t === '-inf' || t === '-infinity') return Number.NEGATIVE_INFINITY;
  if (t === 'nan') return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(text);
}
