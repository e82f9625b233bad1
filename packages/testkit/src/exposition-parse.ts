/**
 * Strict readers of the two Prometheus exposition formats, for tests: they parse what a scraper reads
 * and list every way the text breaks the format, so a test can assert `problems` is empty and then
 * compare the parsed samples with what was recorded. Independent of the serializer under test.
 *
 * OpenMetrics 1.0 checks: `# EOF` last (and only there), TYPE/HELP/UNIT syntax and placement, metric
 * and label name syntax, label value escapes, numbers, each family's samples together and named for its
 * type (`_total` counters whose totals are neither NaN nor negative, `_bucket`/`_count`/`_sum` histograms with ascending `le` ending in `+Inf`,
 * cumulative counts, `_count` equal to the `+Inf` bucket), UNIT a suffix of the name, and exemplars:
 * only on histogram buckets and counter totals, well-formed, their value inside their bucket, and at
 * most 128 code points of label names and values.
 */

import { parseNumber, parseSampleLine, unescapeHelp } from './exposition-lex.js';

export { parseNumber };

export interface ParsedExemplar {
  labels: Record<string, string>;
  value: number;
  timestamp: number | undefined;
}

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  exemplar?: ParsedExemplar;
}

export interface ParsedFamily {
  name: string;
  type: string;
  help: string | undefined;
  unit: string | undefined;
  samples: ParsedSample[];
}

export interface ParsedExposition {
  families: ParsedFamily[];
  problems: string[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const OM_TYPES = new Set([
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'stateset',
  'info',
  'summary',
  'unknown',
]);
const TEXT_TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const EXEMPLAR_MAX = 128;

/** Parses OpenMetrics text strictly (see the file comment). */
export function parseOpenMetrics(text: string): ParsedExposition {
  const problems: string[] = [];
  const families: ParsedFamily[] = [];
  if (!text.endsWith('# EOF\n') && !text.endsWith('# EOF')) problems.push('does not end with "# EOF"');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const byName = new Map<string, ParsedFamily>();
  let current: ParsedFamily | undefined;
  let sawSamples = false;
  let eof = false;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    const where = `line ${n + 1}`;
    if (eof) {
      problems.push(`${where}: content after # EOF`);
      break;
    }
    if (line === '# EOF') {
      eof = true;
      continue;
    }
    if (line.startsWith('#')) {
      const m = /^# (TYPE|HELP|UNIT) (\S+)(?: (.*))?$/s.exec(line);
      if (!m) {
        problems.push(`${where}: not a TYPE, HELP or UNIT line: ${line}`);
        continue;
      }
      const [, kind, name, rest = ''] = m;
      if (!METRIC_NAME.test(name!)) problems.push(`${where}: bad metric name ${name}`);
      if (!current || current.name !== name) {
        if (byName.has(name!)) problems.push(`${where}: family ${name} appears twice`);
        current = { name: name!, type: 'unknown', help: undefined, unit: undefined, samples: [] };
        byName.set(name!, current);
        families.push(current);
        sawSamples = false;
      } else if (sawSamples) {
        problems.push(`${where}: metadata after samples of ${name}`);
      }
      if (kind === 'TYPE') {
        if (!OM_TYPES.has(rest)) problems.push(`${where}: unknown type ${rest}`);
        current.type = rest;
      } else if (kind === 'HELP') {
        const help = unescapeHelp(rest, true, problems, where);
        current.help = help;
      } else {
        if (rest !== '' && (!name!.endsWith(`_${rest}`) || !/^[a-zA-Z0-9_:]+$/.test(rest))) {
          problems.push(`${where}: unit ${rest} not a suffix of metric ${name}`);
        }
        current.unit = rest;
      }
      continue;
    }
    const sample = parseSampleLine(line, true, problems, where);
    if (!sample) continue;
    const family = familyOf(sample.name, current, byName);
    if (!family || family !== current) {
      problems.push(`${where}: sample ${sample.name} is not in the family declared just before it`);
      continue;
    }
    sawSamples = true;
    if (!sampleNameFits(family, sample.name)) {
      problems.push(`${where}: sample ${sample.name} does not belong to ${family.type} ${family.name}`);
    }
    if (sample.exemplar) {
      const okPlace =
        (family.type === 'histogram' && sample.name === `${family.name}_bucket`) ||
        (family.type === 'counter' && sample.name === `${family.name}_total`);
      if (!okPlace) problems.push(`${where}: exemplar on ${sample.name}, which cannot have one`);
      const size = Object.entries(sample.exemplar.labels).reduce(
        (acc, [k, v]) => acc + [...k].length + [...v].length,
        0,
      );
      if (size > EXEMPLAR_MAX) problems.push(`${where}: exemplar labels have ${size} code points (max 128)`);
    }
    // "A Total is a non-NaN and MUST be monotonically non-decreasing over time, starting from 0."
    if (family.type === 'counter' && sample.name === `${family.name}_total` && !(sample.value >= 0)) {
      problems.push(`${where}: counter total ${sample.value} is NaN or negative`);
    }
    family.samples.push(sample);
  }
  if (!eof) problems.push('no # EOF line');
  for (const f of families) checkFamily(f, problems);
  return { families, problems };
}

/** Parses the Prometheus text format (0.0.4): HELP/TYPE metadata, other comments ignored. */
export function parseTextFormat(text: string): ParsedExposition {
  const problems: string[] = [];
  const families: ParsedFamily[] = [];
  const byName = new Map<string, ParsedFamily>();
  if (text !== '' && !text.endsWith('\n')) problems.push('does not end with a newline');
  const lines = text.split('\n');
  let current: ParsedFamily | undefined;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    const where = `line ${n + 1}`;
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (TYPE|HELP) (\S+)(?: (.*))?$/s.exec(line);
      if (!m) continue; // a comment
      const [, kind, name, rest = ''] = m;
      if (!METRIC_NAME.test(name!)) problems.push(`${where}: bad metric name ${name}`);
      if (!current || current.name !== name) {
        if (byName.has(name!)) problems.push(`${where}: second ${kind} block for ${name}`);
        current = { name: name!, type: 'untyped', help: undefined, unit: undefined, samples: [] };
        byName.set(name!, current);
        families.push(current);
      }
      if (kind === 'TYPE') {
        if (!TEXT_TYPES.has(rest)) problems.push(`${where}: unknown type ${rest}`);
        current.type = rest;
      } else {
        current.help = unescapeHelp(rest, false, problems, where);
      }
      continue;
    }
    const sample = parseSampleLine(line, false, problems, where);
    if (!sample) continue;
    const base = sample.name.replace(/_(bucket|count|sum)$/, '');
    const family =
      current && (current.name === sample.name || (current.type === 'histogram' && current.name === base))
        ? current
        : undefined;
    if (!family) {
      if (byName.has(sample.name) || byName.has(base)) {
        problems.push(`${where}: sample ${sample.name} apart from its family`);
      }
      const untyped: ParsedFamily = {
        name: sample.name,
        type: 'untyped',
        help: undefined,
        unit: undefined,
        samples: [sample],
      };
      families.push(untyped);
      current = untyped;
      byName.set(sample.name, untyped);
      continue;
    }
    family.samples.push(sample);
  }
  for (const f of families) if (f.type === 'histogram') checkHistogram(f, problems);
  return { families, problems };
}

function familyOf(
  sampleName: string,
  current: ParsedFamily | undefined,
  byName: Map<string, ParsedFamily>,
): ParsedFamily | undefined {
  if (current && sampleNameFits(current, sampleName)) return current;
  for (const suffix of ['', '_total', '_created', '_bucket', '_count', '_sum', '_info', '_gcount', '_gsum']) {
    if (suffix !== '' && !sampleName.endsWith(suffix)) continue;
    const f = byName.get(sampleName.slice(0, sampleName.length - suffix.length));
    if (f) return f;
  }
  return undefined;
}

function sampleNameFits(family: ParsedFamily, name: string): boolean {
  const n = family.name;
  switch (family.type) {
    case 'counter':
      return name === `${n}_total` || name === `${n}_created`;
    case 'histogram':
      return [`${n}_bucket`, `${n}_count`, `${n}_sum`, `${n}_created`].includes(name);
    case 'info':
      return name === `${n}_info`;
    case 'gauge':
    case 'unknown':
    case 'stateset':
      return name === n;
    default:
      return name.startsWith(n);
  }
}

function checkFamily(f: ParsedFamily, problems: string[]): void {
  if (f.type === 'histogram') checkHistogram(f, problems);
}

/** Buckets per series: ascending `le`, `+Inf` last, cumulative, `_count` equal to `+Inf`, exemplars inside. */
function checkHistogram(f: ParsedFamily, problems: string[]): void {
  const series = new Map<
    string,
    { les: number[]; counts: number[]; count?: number; exemplars: Array<[number, number]> }
  >();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let acc = series.get(key);
    if (!acc) {
      acc = { les: [], counts: [], exemplars: [] };
      series.set(key, acc);
    }
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) {
        problems.push(`${f.name}: bucket without le`);
        continue;
      }
      const bound = parseNumber(le);
      if (bound === undefined) problems.push(`${f.name}: le="${le}" is not a number`);
      acc.les.push(bound ?? Number.NaN);
      acc.counts.push(s.value);
      if (s.exemplar) acc.exemplars.push([acc.les.length - 1, s.exemplar.value]);
    } else if (s.name.endsWith('_count')) {
      acc.count = s.value;
    }
  }
  for (const [key, acc] of series) {
    const where = `${f.name}${key}`;
    if (acc.les.length === 0) {
      problems.push(`${where}: no buckets`);
      continue;
    }
    for (let i = 1; i < acc.les.length; i++) {
      if (!(acc.les[i]! > acc.les[i - 1]!)) problems.push(`${where}: le not ascending`);
      if (acc.counts[i]! < acc.counts[i - 1]!) problems.push(`${where}: bucket counts not cumulative`);
    }
    if (acc.les[acc.les.length - 1] !== Number.POSITIVE_INFINITY) problems.push(`${where}: no +Inf bucket`);
    if (acc.count !== undefined && acc.count !== acc.counts[acc.counts.length - 1]) {
      problems.push(`${where}: _count ${acc.count} differs from the +Inf bucket`);
    }
    for (const [i, value] of acc.exemplars) {
      const upper = acc.les[i]!;
      const lower = i === 0 ? Number.NEGATIVE_INFINITY : acc.les[i - 1]!;
      if (!(value <= upper && value > lower))
        problems.push(`${where}: exemplar ${value} outside bucket le=${upper}`);
    }
  }
}
