#!/usr/bin/env node
/**
 * Renders bench/results/*.json as Markdown (the tables of docs/BENCHMARKS.md).
 *
 *   node bench/report.mjs                 print every table
 *   node bench/report.mjs --write-docs    replace the part of docs/BENCHMARKS.md between
 *                                         <!-- results:start --> and <!-- results:end -->
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTable, formatValue } from './lib/format.mjs';
import { SCENARIOS } from './scenarios/index.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const docs = [];
for (const id of SCENARIOS) {
  const p = join(here, 'results', `${id}.json`);
  if (existsSync(p)) docs.push(JSON.parse(readFileSync(p, 'utf8')));
}

const lines = [];
if (docs.length) {
  const m = docs[0].machine;
  lines.push(`Machine of the latest run: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node} (V8 ${m.v8}); redis-server ${m.redisServer} on loopback; ${m.date.slice(0, 10)}.`);
  lines.push(`Clients: ${Object.values(docs.find((d) => d.scenario === 'seq')?.clients ?? docs[0].clients).join(', ')}.`);
  // The client changes fast: say which builds of it these tables come from.
  const builds = new Map();
  for (const d of docs) {
    const b = d.leanredisBuild;
    if (!b?.dist) continue;
    const key = `dist/index.js ${b.dist} (${b.distBytes} bytes)`;
    builds.set(key, [...(builds.get(key) ?? []), d.scenario]);
  }
  if (builds.size) lines.push(`leanredis builds measured: ${[...builds].map(([k, ids]) => `${k}: ${ids.join(', ')}`).join('; ')}.`);
  lines.push('');
  // Goals at a glance.
  lines.push('| scenario | goal | leanredis | met? |');
  lines.push('|---|---|---|---|');
  for (const d of docs) for (const g of d.goals ?? []) lines.push(`| ${d.title} | ${g.text} | ${g.detail} | ${g.met ? 'met' : '**missed**'} |`);
  lines.push('');
  for (const d of docs) {
    lines.push(renderTable(d));
    lines.push('');
    lines.push(`<sub>${d.method.replaceAll('\n', ' ')}</sub>`);
    lines.push('');
  }
}
const md = lines.join('\n');

if (process.argv.includes('--write-docs')) {
  const file = join(here, '..', 'docs', 'BENCHMARKS.md');
  const text = readFileSync(file, 'utf8');
  const start = '<!-- results:start -->';
  const end = '<!-- results:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file} lacks the ${start} / ${end} markers`);
  writeFileSync(file, `${text.slice(0, a + start.length)}\n${md}\n${text.slice(b)}`);
  console.error(`updated ${file} from ${docs.length} result files`);
} else {
  console.log(md);
}
export { formatValue };
