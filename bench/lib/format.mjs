/**
 * Turns result documents into Markdown: one table per scenario, a row per client, each cell
 * "median (rival ÷ leanredis)", then the goals with met/missed.
 */

export function formatValue(v, m = {}) {
  if (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v))) return 'n/a';
  const unit = m.unit ?? '';
  switch (unit) {
    case 'B': {
      const a = Math.abs(v);
      if (a >= 2 ** 20) return `${(v / 2 ** 20).toFixed(2)} MB`;
      if (a >= 10 * 1024) return `${(v / 1024).toFixed(1)} KB`;
      if (a >= 1024) return `${(v / 1024).toFixed(2)} KB`;
      return `${Math.round(v)} B`;
    }
    case 'ops/s':
    case '/s':
      if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M ${unit}`;
      if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k ${unit}`;
      return `${v.toFixed(0)} ${unit}`;
    case 'ms':
      return `${v.toFixed(m.digits ?? (Math.abs(v) < 10 ? 2 : 1))} ms`;
    case 'MB/s':
      return `${v.toFixed(0)} MB/s`;
    case 'ns':
      if (v >= 1e6) return `${(v / 1e6).toFixed(2)} ms`;
      if (v >= 1e3) return `${(v / 1e3).toFixed(2)} µs`;
      return `${v.toFixed(1)} ns`;
    case '':
      return Number.isInteger(v) ? String(v) : v.toFixed(m.digits ?? 1);
    default:
      return `${Number.isInteger(v) ? v : v.toFixed(m.digits ?? 1)} ${unit}`;
  }
}

const ratioText = (r) => (typeof r === 'number' && Number.isFinite(r) ? `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×` : '');

/** Markdown for one result document. */
export function renderTable(doc) {
  const lines = [];
  lines.push(`### ${doc.title}`);
  lines.push('');
  const load = doc.loadAverage ? ` Load average ${doc.loadAverage.before} → ${doc.loadAverage.after}.` : '';
  lines.push(`Medians of ${doc.rounds} interleaved rounds${doc.quick ? ' (quick mode)' : ''}; in brackets: rival ÷ leanredis.${load} Reproduce: \`${doc.command}\``);
  lines.push('');
  lines.push(`| client | ${doc.metrics.map((m) => m.label + (m.better ? (m.better === 'higher' ? ' ↑' : ' ↓') : '')).join(' | ')} |`);
  lines.push(`|---|${doc.metrics.map(() => '---:').join('|')}|`);
  for (const row of doc.rows) {
    const pkg = doc.clients?.[row.id];
    const name = pkg && pkg.includes('@') ? `${row.label} ${pkg.slice(pkg.lastIndexOf('@') + 1)}` : row.label;
    if (doc.errors?.[row.id]) {
      lines.push(`| ${name} | ${doc.metrics.map((_, i) => (i === 0 ? `failed: ${doc.errors[row.id].slice(0, 120).replaceAll('|', '/')}` : '')).join(' | ')} |`);
      continue;
    }
    const cells = doc.metrics.map((m) => {
      const v = formatValue(doc.medians[row.id]?.[m.key], m);
      const r = doc.ratios?.[row.id]?.[m.key];
      return r === undefined ? v : `${v} (${ratioText(r)})`;
    });
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  if (doc.goals?.length) {
    lines.push('');
    for (const g of doc.goals) lines.push(`- Goal: ${g.text} — **${g.met ? 'met' : 'missed'}** (${g.detail})`);
  }
  if (doc.notes?.length) {
    lines.push('');
    for (const n of doc.notes) lines.push(`- ${n}`);
  }
  return lines.join('\n');
}
