/**
 * Terminal view of `leanredis memory` (the object --json prints: memoryReport()'s result with
 * the doctor's header).
 */
import type { MemoryReport } from 'leanredis/diagnostics';
import type { ResultHeader } from './json.js';
import { formatBytes, formatCount } from './format.js';
import { renderTable } from './table.js';

/** What `leanredis memory` prints. */
export type MemoryResult = ResultHeader & MemoryReport & { readonly server: string };

const bytes = (n: number | null): string => (n === null ? '?' : formatBytes(n));

// A high ratio on a near-empty server is the allocator's fixed overhead, not a problem: only
// flag it when the excess is large too.
const fragmented = (s: MemoryResult['summary']): boolean =>
  s.fragmentationRatio !== null && s.fragmentationRatio > 1.5 && s.usedMemory !== null && s.usedMemoryRss !== null && s.usedMemoryRss - s.usedMemory >= 64 * 1024 * 1024;

/** The terminal report of `leanredis memory`. */
export function renderMemoryReport(r: MemoryResult): string {
  const s = r.summary;
  let out = `leanredis memory: ${r.server}${s.redisVersion ? ` (Redis ${s.redisVersion})` : ''}, ${Math.round(r.durationMs)} ms\n\n`;
  const rows: string[][] = [
    ['used memory', bytes(s.usedMemory)],
    ['RSS', `${bytes(s.usedMemoryRss)}${s.fragmentationRatio !== null ? `  (fragmentation ratio ${s.fragmentationRatio.toFixed(2)}${fragmented(s) ? ': the allocator holds memory the data does not use' : ''})` : ''}`],
    ['peak', bytes(s.usedMemoryPeak)],
    ['maxmemory', s.maxMemory === null ? '?' : s.maxMemory === 0 ? 'no limit' : `${formatBytes(s.maxMemory)}${s.usedMemory !== null ? ` (${((s.usedMemory / s.maxMemory) * 100).toFixed(0)}% used)` : ''}`],
    ['policy', s.maxMemoryPolicy ?? '?'],
    ['allocator', s.allocator ?? '?'],
    ['connected clients', s.connectedClients === null ? '?' : formatCount(s.connectedClients)],
    ['evicted keys', s.evictedKeys === null ? '?' : formatCount(s.evictedKeys)],
    ['expired keys', s.expiredKeys === null ? '?' : formatCount(s.expiredKeys)],
  ];
  out += renderTable([{ title: 'server' }, { title: 'value' }], rows, { indent: 2 });
  if (r.doctor !== null) out += `\n  MEMORY DOCTOR: ${r.doctor.trim().replace(/\s*\n\s*/g, '\n    ')}\n`;

  const k = r.keys;
  out += `\nkeys: ${formatCount(k.dbSize)} in the database; sampled ${formatCount(k.sampled)} (${formatBytes(k.sampledBytes)})`;
  out += k.estimatedTotalBytes === null ? '' : k.isComplete ? `, every key` : `, about ${formatBytes(k.estimatedTotalBytes)} for all keys (scaled from the sample)`;
  out += k.stoppedBy === 'done' || k.stoppedBy === 'skipped' ? '\n' : `; sampling stopped by ${k.stoppedBy === 'maxKeys' ? '--max-keys' : k.stoppedBy === 'timeBudget' ? '--time-budget' : 'an error'}\n`;
  if (k.biggest.length > 0) {
    out += '\n  biggest keys\n';
    out += renderTable([{ title: 'key' }, { title: 'type' }, { title: 'memory', align: 'right' }], k.biggest.map((b) => [printable(b.key), b.type, formatBytes(b.bytes)]), { indent: 4 });
  }
  if (k.patterns.length > 0) {
    out += '\n  key patterns by total size\n';
    out += renderTable(
      [{ title: 'pattern' }, { title: 'keys', align: 'right' }, { title: 'memory', align: 'right' }, { title: 'share', align: 'right' }, { title: 'types' }],
      k.patterns.map((p) => [printable(p.pattern), formatCount(p.keys), formatBytes(p.bytes), `${p.percent.toFixed(1)}%`, Object.entries(p.types).map(([t, n]) => `${t} ${n}`).join(', ')]),
      { indent: 4 },
    );
  }

  const c = r.clients;
  out += `\nconnections: ${formatCount(c.count)}; output buffers ${formatBytes(c.outputBytes)}, query buffers ${formatBytes(c.queryBufferBytes)}, ${formatBytes(c.totalBytes)} in all\n`;
  if (c.top.length > 0) {
    out += renderTable(
      [{ title: 'id' }, { title: 'address' }, { title: 'name' }, { title: 'last command' }, { title: 'age', align: 'right' }, { title: 'idle', align: 'right' }, { title: 'output', align: 'right' }, { title: 'query buf', align: 'right' }, { title: 'total', align: 'right' }],
      c.top.map((x) => [x.id, x.addr, x.name || '-', x.cmd, `${x.ageSeconds} s`, `${x.idleSeconds} s`, formatBytes(x.outputBytes), formatBytes(x.queryBufferBytes), formatBytes(x.totalBytes)]),
      { indent: 2 },
    );
  }
  const failed = Object.entries(r.errors);
  if (failed.length > 0) {
    out += '\nsections the server refused:\n';
    for (const [section, e] of failed) out += `  ${section}: ${e.code}: ${e.message}\n`;
  }
  return out;
}

// Keys are binary-safe: control characters would garble a terminal.
function printable(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
