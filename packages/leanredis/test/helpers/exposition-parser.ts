/**
 * A strict parser of the Prometheus text format 0.0.4 and OpenMetrics 1.0 text, written from the
 * specifications for the tests (independent of src/diagnostics/exposition.ts): it throws on
 * anything either spec forbids that a writer could get wrong: a family declared twice or
 * interleaved, samples before their TYPE, a sample name that does not belong to its family's
 * type, bad escapes, duplicate label names or series, unparsable numbers, missing final newline,
 * a missing or misplaced `# EOF` (OpenMetrics), histograms whose buckets are not cumulative or
 * not ascending, lack `+Inf`, or disagree with `_count`.
 */

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'unknown';

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  type: FamilyType;
  help: string | undefined;
  unit: string | undefined;
  samples: ParsedSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function fail(lineNo: number, line: string, why: string): never {
  throw new Error(`line ${lineNo}: ${why}: ${JSON.stringify(line)}`);
}

function parseNumber(text: string, lineNo: number, line: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!NUMBER.test(text)) fail(lineNo, line, `bad number ${text}`);
  return Number(text);
}

function unescape(text: string, allowed: string, lineNo: number, line: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === undefined || !allowed.includes(next)) fail(lineNo, line, `bad escape \\${next ?? ''}`);
    out += next === 'n' ? '\n' : next;
  }
  return out;
}

/** Parses `{a="x",b="y"} rest`: returns the labels and the index after `}`. */
function parseLabels(line: string, start: number, lineNo: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i);
    if (eq === -1) fail(lineNo, line, 'label without =');
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) fail(lineNo, line, `bad label name ${name}`);
    if (name in labels) fail(lineNo, line, `duplicate label ${name}`);
    if (line[eq + 1] !== '"') fail(lineNo, line, 'label value not quoted');
    let j = eq + 2;
    let raw = '';
    while (line[j] !== '"') {
      if (j >= line.length) fail(lineNo, line, 'unterminated label value');
      if (line[j] === '\\') raw += line[j++];
      raw += line[j++];
    }
    labels[name] = unescape(raw, '\\"n', lineNo, line);
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') fail(lineNo, line, 'expected , or }');
  }
  return { labels, end: i + 1 };
}

/** The family a sample name belongs to, given the declared families. */
function familyOf(name: string, families: Map<string, ParsedFamily>, isOpenMetrics: boolean): ParsedFamily | undefined {
  const exact = families.get(name);
  if (exact !== undefined && (exact.type === 'gauge' || exact.type === 'unknown' || exact.type === 'untyped' || (!isOpenMetrics && exact.type === 'counter'))) return exact;
  for (const suffix of isOpenMetrics ? ['_total', '_created', '_bucket', '_sum', '_count'] : ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const f = families.get(name.slice(0, -suffix.length));
    if (f === undefined) continue;
    if (f.type === 'counter' && (suffix === '_total' || suffix === '_created')) return f;
    if (f.type === 'histogram') return f;
  }
  return undefined;
}

/** Parses an exposition; throws with the line number on the first violation. */
export function parseExposition(text: string, format: 'prometheus' | 'openmetrics'): Map<string, ParsedFamily> {
  const isOpenMetrics = format === 'openmetrics';
  const families = new Map<string, ParsedFamily>();
  if (text === '') {
    if (isOpenMetrics) throw new Error('OpenMetrics text must end with # EOF');
    return families;
  }
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: ParsedFamily | undefined;
  let sawEof = false;
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    if (sawEof) fail(lineNo, line, 'content after # EOF');
    if (line === '') {
      if (isOpenMetrics) fail(lineNo, line, 'empty line');
      return;
    }
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE|UNIT|EOF)(?: (\S+)(?: (.*))?)?$/.exec(line);
      if (m === null) {
        if (isOpenMetrics) fail(lineNo, line, 'unknown comment');
        return;
      }
      const [, keyword, name, rest] = m;
      if (keyword === 'EOF') {
        if (!isOpenMetrics) fail(lineNo, line, '# EOF is OpenMetrics only');
        if (index !== lines.length - 1) fail(lineNo, line, '# EOF must be the last line');
        sawEof = true;
        return;
      }
      if (name === undefined || !METRIC_NAME.test(name)) fail(lineNo, line, 'bad metric name');
      if (keyword === 'UNIT' && !isOpenMetrics) fail(lineNo, line, '# UNIT is OpenMetrics only');
      let f = families.get(name);
      if (f === undefined) {
        if (closed.has(name)) fail(lineNo, line, 'family declared twice');
        if (current !== undefined) closed.add(current.name);
        f = { name, type: isOpenMetrics ? 'unknown' : 'untyped', help: undefined, unit: undefined, samples: [] };
        families.set(name, f);
        current = f;
      } else if (f !== current) {
        fail(lineNo, line, 'family interleaved');
      }
      if (f.samples.length > 0) fail(lineNo, line, `${keyword} after samples`);
      if (keyword === 'HELP') {
        if (f.help !== undefined) fail(lineNo, line, 'HELP twice');
        f.help = unescape(rest ?? '', isOpenMetrics ? '\\"n' : '\\n', lineNo, line);
      } else if (keyword === 'TYPE') {
        const types = isOpenMetrics ? ['counter', 'gauge', 'histogram', 'summary', 'unknown', 'gaugehistogram', 'stateset', 'info'] : ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
        if (rest === undefined || !types.includes(rest)) fail(lineNo, line, `bad type ${rest}`);
        f.type = rest as FamilyType;
      } else {
        if (f.unit !== undefined) fail(lineNo, line, 'UNIT twice');
        if (rest === undefined || !name.endsWith(`_${rest}`)) fail(lineNo, line, 'the family name must end with its unit');
        f.unit = rest;
      }
      return;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) fail(lineNo, line, 'no metric name');
    const name = line.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) fail(lineNo, line, 'bad metric name');
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (line[i] === '{') ({ labels, end: i } = parseLabels(line, i, lineNo));
    if (line[i] !== ' ') fail(lineNo, line, 'expected one space before the value');
    const parts = line.slice(i + 1).split(' ');
    if (parts.length > 2 || parts.some((p) => p === '')) fail(lineNo, line, 'bad value or timestamp');
    const value = parseNumber(parts[0], lineNo, line);
    const f = familyOf(name, families, isOpenMetrics);
    if (f === undefined) fail(lineNo, line, `no declared family for ${name}`);
    if (f !== current) fail(lineNo, line, `sample of ${f.name} outside its family's block`);
    if (f.type === 'counter' && !(value >= 0)) fail(lineNo, line, 'negative or NaN counter');
    if (name.endsWith('_bucket') && f.type === 'histogram' && labels.le === undefined) fail(lineNo, line, 'bucket without le');
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) fail(lineNo, line, 'duplicate series');
    series.add(key);
    f.samples.push({ name, labels, value });
  });
  if (isOpenMetrics && !sawEof) throw new Error('OpenMetrics text must end with # EOF');
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: ParsedFamily): void {
  const groups = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const g = groups.get(key) ?? { buckets: [] };
    groups.set(key, g);
    if (s.name === `${f.name}_bucket`) g.buckets.push([parseNumber(le, 0, le), s.value]);
    else if (s.name === `${f.name}_sum`) g.sum = s.value;
    else if (s.name === `${f.name}_count`) g.count = s.value;
  }
  for (const [key, g] of groups) {
    const where = `${f.name}${key}`;
    if (g.buckets.length === 0 || g.buckets[g.buckets.length - 1][0] !== Infinity) throw new Error(`${where}: no +Inf bucket last`);
    for (let i = 1; i < g.buckets.length; i++) {
      if (!(g.buckets[i][0] > g.buckets[i - 1][0])) throw new Error(`${where}: le not ascending`);
      if (g.buckets[i][1] < g.buckets[i - 1][1]) throw new Error(`${where}: buckets not cumulative`);
    }
    if (g.count === undefined || g.sum === undefined) throw new Error(`${where}: _sum or _count missing`);
    if (g.count !== g.buckets[g.buckets.length - 1][1]) throw new Error(`${where}: _count ${g.count} != +Inf bucket ${g.buckets[g.buckets.length - 1][1]}`);
  }
}
