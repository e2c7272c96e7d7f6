/**
 * Terminal view of a `leanredis cost` result (the object --json prints).
 */
import { relative } from 'node:path';
import type { CostFigures, CostResult, PackageCost } from '../cost/import-cost.js';
import type { Spread } from '../cost/stats.js';
import { formatBytes, formatMs, formatPercent } from './format.js';
import { renderTable } from './table.js';

const spreadText = (s: Spread): string => (s.median === 0 || s.samples.length < 2 ? '' : `±${formatPercent((s.max - s.min) / 2 / Math.abs(s.median))}`);

function figureRows(f: CostFigures): string[][] {
  const bytes = (label: string, s: Spread) => [label, formatBytes(s.median), `${formatBytes(s.min)} .. ${formatBytes(s.max)}`, spreadText(s)];
  return [
    bytes('retained heap', f.heapBytes),
    bytes('  V8 heapUsed', f.heapUsedBytes),
    bytes('external', f.externalBytes),
    bytes('  arrayBuffers', f.arrayBuffersBytes),
    bytes('RSS', f.rssBytes),
    ['load time', formatMs(f.loadMs.median), `${formatMs(f.loadMs.min)} .. ${formatMs(f.loadMs.max)}`, spreadText(f.loadMs)],
  ];
}

function onePackage(r: PackageCost, cwd: string): string {
  let out = `\n${r.name}${r.version ? ` ${r.version}` : ''} (${r.format === 'module' ? 'ESM, import()' : 'CommonJS, require()'} of ${relative(cwd, r.entry) || r.entry})\n`;
  out += renderTable([{ title: 'figure' }, { title: 'median', align: 'right' }, { title: 'min .. max', align: 'right' }, { title: 'spread', align: 'right' }], figureRows(r.figures), { indent: 2 });
  const formats = Object.entries(r.files.byFormat)
    .map(([f, n]) => `${f} ${n}`)
    .join(', ');
  out += `  files loaded: ${r.files.count} (${formatBytes(r.files.bytes)} of source; ${formats})\n`;
  out += `  built-ins loaded: ${r.builtins.length > 0 ? r.builtins.join(', ') : 'none'} (${r.builtinModuleLoads} built-in module${r.builtinModuleLoads === 1 ? '' : 's'} in all, internal ones included)\n`;
  if (r.handles.length === 0) out += '  handles left open by the import: none\n';
  else {
    out += `  FLAG: the import left ${r.handles.length} handle${r.handles.length === 1 ? '' : 's'} open${r.keepsProcessAlive ? ' (the process cannot exit on its own)' : ''}:\n`;
    for (const h of r.handles) out += `    ${h.detail}${h.isRefed ? '' : ' (unref)'} by ${h.package ?? 'unknown code'}${h.file ? ` at ${relative(cwd, h.file)}` : ''}\n`;
  }
  if (r.noisy.length > 0) out += `  NOISY: ${r.noisy.join(', ')} vary more between runs than the threshold allows; run with more --runs on a quieter machine\n`;
  if (r.packages.length > 1 || r.attributedHeapBytes !== null) {
    const attributed = r.attributedHeapBytes !== null;
    out += `\n  by package${attributed ? ' (self heap: what its own modules retain, its dependencies loaded first)' : ''}\n`;
    out += renderTable(
      [{ title: 'package' }, { title: 'version' }, { title: 'files', align: 'right' }, { title: 'source', align: 'right' }, { title: 'self heap', align: 'right' }, { title: 'spread', align: 'right' }, { title: 'brought in by' }],
      r.packages.map((p) => [
        p.name,
        p.version,
        String(p.files),
        formatBytes(p.sourceBytes),
        p.selfHeapBytes === null ? (p.attributionError !== null ? 'failed' : '-') : formatBytes(p.selfHeapBytes.median),
        p.selfHeapBytes === null ? '' : spreadText(p.selfHeapBytes),
        p.isRoot ? '(the package itself)' : `${p.broughtBy.join(', ')}${p.isExclusive ? '' : ' (shared)'}`,
      ]),
      { indent: 4 },
    );
    for (const p of r.packages) if (p.attributionError !== null) out += `    ${p.name}: its own cost could not be measured apart: ${p.attributionError}\n`;
    if (attributed) out += `    attributed ${formatBytes(r.attributedHeapBytes!)} of ${formatBytes(r.figures.heapBytes.median)} retained heap\n`;
    if (attributed && r.directDependencies.length > 0) {
      out += '\n  by direct dependency (self heap of the packages it brings)\n';
      out += renderTable(
        [{ title: 'dependency' }, { title: 'exclusive', align: 'right' }, { title: 'packages', align: 'right' }, { title: 'shared', align: 'right' }, { title: 'packages', align: 'right' }],
        r.directDependencies.map((d) => [d.name, formatBytes(d.exclusiveHeapBytes), String(d.exclusivePackages), formatBytes(d.sharedHeapBytes), String(d.sharedPackages)]),
        { indent: 4 },
      );
    }
  }
  return out;
}

/** The terminal report of `leanredis cost`. */
export function renderCost(r: CostResult, cwd: string): string {
  const m = r.method;
  let out = `leanredis cost: ${m.runs} run${m.runs === 1 ? '' : 's'} per figure${m.attributionRuns > 0 ? ` (${m.attributionRuns} per package)` : ''}, each a fresh node --expose-gc (${r.node}); medians after full GC, ${m.settleMs} ms after the import, over a baseline run loading nothing\n`;
  const f = m.floor;
  out += `baseline spread (max - min over its runs): reachable heap ${formatBytes(f.heapBytes.max - f.heapBytes.min)}, V8 heapUsed ${formatBytes(f.heapUsedBytes.max - f.heapUsedBytes.min)}, RSS ${formatBytes(f.rssBytes.max - f.rssBytes.min)}\n`;
  for (const p of r.results) out += onePackage(p, cwd);
  if (r.results.length > 1) {
    out += '\nsummary\n';
    out += renderTable(
      [{ title: 'package' }, { title: 'heap', align: 'right' }, { title: 'external', align: 'right' }, { title: 'RSS', align: 'right' }, { title: 'load', align: 'right' }, { title: 'files', align: 'right' }, { title: 'handles left open' }],
      r.results.map((p) => [`${p.name}@${p.version}`, formatBytes(p.figures.heapBytes.median), formatBytes(p.figures.externalBytes.median), formatBytes(p.figures.rssBytes.median), formatMs(p.figures.loadMs.median), String(p.files.count), p.handles.length === 0 ? 'none' : p.handles.map((h) => h.type).join(', ')]),
      { indent: 2 },
    );
  }
  return out;
}
