/**
 * Views of a `leanredis profile` result: the terminal tables and the self-contained HTML
 * summary (inline SVG, no script, no CDN). Both are drawn from the same {@link ProfileResult},
 * which `--json` prints and `<out>/profile.json` keeps.
 */
import type { TopRow } from 'leanredis/diagnostics';
import type { ResultHeader } from './json.js';
import type { ProfileAlarm, ProfileData } from '../profile/profile-protocol.js';
import { renderTable } from './table.js';
import { formatBytes } from './format.js';
import { CHART_CSS, escapeHtml, renderLineChart } from './svg-chart.js';

/** `leanredis profile --json`, also `<out>/profile.json`. */
export interface ProfileResult extends ResultHeader, ProfileData {
  readonly kind: 'profile';
  /** The program as given after `--`. */
  readonly program: readonly string[];
  readonly outDir: string;
  /** Files written, absolute paths. */
  readonly files: { readonly pprof: string | null; readonly html: string; readonly json: string; readonly log: string };
  /** The program's exit: code or signal after the doctor stopped it, or its own when it ended first. */
  readonly programExit: { readonly code: number | null; readonly signal: string | null; readonly stoppedByDoctor: boolean };
}

/** A top table's rows as text cells. */
function topRows(rows: readonly TopRow[]): string[][] {
  return rows.map((r) => [formatBytes(r.flat), `${r.flatPercent.toFixed(1)}%`, formatBytes(r.cum), `${r.cumPercent.toFixed(1)}%`, r.name]);
}

const TOP_COLUMNS = [{ title: 'flat', align: 'right' as const }, { title: 'flat%', align: 'right' as const }, { title: 'cum', align: 'right' as const }, { title: 'cum%', align: 'right' as const }, { title: 'name' }];

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function alarmLine(a: ProfileAlarm): string {
  return `+${seconds(a.tMs)} ${a.kind} ${a.series}: ${a.message}`;
}

/** Memory at the first and last sample and the peak, per series. */
export function memorySummary(r: ProfileData): Array<{ series: string; first: number; last: number; peak: number }> {
  if (r.samples.length === 0) return [];
  const first = r.samples[0];
  const last = r.samples[r.samples.length - 1];
  return (['heapUsed', 'heapTotal', 'external', 'arrayBuffers', 'rss'] as const).map((k) => ({ series: k, first: first[k], last: last[k], peak: Math.max(...r.samples.map((s) => s[k])) }));
}

/** The terminal view. */
export function renderProfileReport(r: ProfileResult): string {
  const out: string[] = [];
  out.push(`leanredis profile: ${r.program.join(' ')}: ${seconds(r.durationMs)} (pid ${r.pid}, Node ${r.node}), one heap sample per ${formatBytes(r.samplingIntervalBytes)} allocated`);
  if (r.error !== undefined) out.push(`the heap profile failed: ${r.error} (memory samples and alarms below still stand)`);
  out.push('');
  const mem = memorySummary(r);
  if (mem.length > 0) {
    out.push(`memory over ${r.samples.length} samples:`);
    out.push(renderTable([{ title: 'series' }, { title: 'first', align: 'right' }, { title: 'last', align: 'right' }, { title: 'peak', align: 'right' }], mem.map((m) => [m.series, formatBytes(m.first), formatBytes(m.last), formatBytes(m.peak)]), { indent: 2 }));
  }
  out.push(r.alarms.length === 0 ? 'alarms: none' : `alarms (${r.alarms.length}):`);
  for (const a of r.alarms) {
    out.push(`  ${alarmLine(a)}`);
    for (const c of a.callSites.slice(0, 3)) out.push(`      at ${c.site}${c.bytes !== undefined ? ` (${formatBytes(c.bytes)})` : ` (${c.count})`}`);
    if (a.note !== undefined) out.push(`      (${a.note})`);
  }
  out.push('');
  const tables: Array<[string, readonly TopRow[]]> = [
    ['live heap by function (inuse_space: sampled objects still live at the end of their window)', r.tops.inuseByFunction],
    ['live heap by package', r.tops.inuseByPackage],
    ['allocations by function (alloc_space: every sampled allocation)', r.tops.allocByFunction],
    ['allocations by package', r.tops.allocByPackage],
  ];
  for (const [title, rows] of tables) {
    if (rows.length === 0) continue;
    out.push(`${title}:`);
    out.push(renderTable(TOP_COLUMNS, topRows(rows), { indent: 2 }));
  }
  out.push('files:');
  if (r.files.pprof !== null) out.push(`  ${r.files.pprof}  (go tool pprof -top ${r.files.pprof}, or pprof.me / speedscope)`);
  out.push(`  ${r.files.html}`);
  out.push(`  ${r.files.json}`);
  out.push(`  ${r.files.log}  (the program's stdout and stderr)`);
  return `${out.join('\n')}\n`;
}

function topHtml(title: string, rows: readonly TopRow[]): string {
  if (rows.length === 0) return '';
  const body = rows.map((r) => `<tr><td class="n">${formatBytes(r.flat)}</td><td class="n">${r.flatPercent.toFixed(1)}%</td><td class="n">${formatBytes(r.cum)}</td><td class="n">${r.cumPercent.toFixed(1)}%</td><td>${escapeHtml(r.name)}</td></tr>`).join('');
  return `<h3>${escapeHtml(title)}</h3><table><thead><tr><th>flat</th><th>flat%</th><th>cum</th><th>cum%</th><th>name</th></tr></thead><tbody>${body}</tbody></table>`;
}

const PAGE_CSS = `
body { font: 14px/1.45 system-ui, -apple-system, Segoe UI, sans-serif; color: #222; margin: 24px; max-width: 1400px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; } h3 { font-size: 14px; margin: 16px 0 6px; }
.meta { color: #666; margin: 0 0 8px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 4px 10px; text-align: left; }
th { background: #f6f6f6; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.charts { display: flex; flex-wrap: wrap; }
.error { color: #a00; }
${CHART_CSS}`;

/** The HTML summary. */
export function renderProfileHtml(r: ProfileResult): string {
  const t = (s: { tMs: number }) => Math.round(s.tMs / 100) / 10;
  const markers = r.alarms.map((a) => ({ x: t(a), label: `${a.kind} ${a.series}` }));
  const series = (k: 'heapUsed' | 'heapTotal' | 'rss' | 'external', name: string, colorIndex: number) => ({ name, colorIndex, points: r.samples.map((s) => [t(s), s[k]] as const) });
  const charts = [
    renderLineChart({ title: 'JS heap', xLabel: 'seconds', yLabel: 'bytes', series: [series('heapUsed', 'heap used', 0), { ...series('heapTotal', 'heap total', 0), isDashed: true }], formatY: formatBytes, markers }),
    renderLineChart({ title: 'RSS and external', xLabel: 'seconds', yLabel: 'bytes', series: [series('rss', 'RSS', 1), series('external', 'external', 2)], formatY: formatBytes, markers }),
  ];
  const alarms =
    r.alarms.length === 0
      ? '<p>No alarm.</p>'
      : `<table><thead><tr><th>at</th><th>kind</th><th>series</th><th>message</th><th>where</th></tr></thead><tbody>${r.alarms
          .map((a) => `<tr><td class="n">+${seconds(a.tMs)}</td><td>${escapeHtml(a.kind)}</td><td>${escapeHtml(a.series)}</td><td>${escapeHtml(a.message)}</td><td>${a.callSites.map((c) => escapeHtml(c.site)).join('<br>')}${a.note !== undefined ? `<br><i>${escapeHtml(a.note)}</i>` : ''}</td></tr>`)
          .join('')}</tbody></table>`;
  const data = JSON.stringify(r).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>leanredis profile</title><style>${PAGE_CSS}</style></head>
<body>
<h1>leanredis profile</h1>
<p class="meta">${escapeHtml(r.program.join(' '))} · ${seconds(r.durationMs)} · pid ${r.pid} · Node ${escapeHtml(r.node)} · one heap sample per ${formatBytes(r.samplingIntervalBytes)} · ${escapeHtml(r.tool)} · ${escapeHtml(r.createdAt)}</p>
${r.error !== undefined ? `<p class="error">The heap profile failed: ${escapeHtml(r.error)}</p>` : ''}
<h2>Memory over time</h2><div class="charts">${charts.join('\n')}</div>
<h2>Alarms</h2>${alarms}
<h2>Where the heap goes</h2>
${topHtml('Live heap by function (inuse_space)', r.tops.inuseByFunction)}
${topHtml('Live heap by package', r.tops.inuseByPackage)}
${topHtml('Allocations by function (alloc_space)', r.tops.allocByFunction)}
${topHtml('Allocations by package', r.tops.allocByPackage)}
<p class="meta">pprof file: ${escapeHtml(r.files.pprof ?? '(none)')}</p>
<script type="application/json" id="profile-result">${data}</script>
</body></html>
`;
}
