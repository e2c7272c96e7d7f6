// @layer L7 diagnostics
/**
 * L7 diagnostics: `memoryReport(client)`: where the SERVER's memory goes. INFO memory, stats,
 * clients and keyspace; MEMORY STATS and MEMORY DOCTOR; a bounded SCAN with MEMORY USAGE and
 * TYPE per key (biggest keys, key patterns by total size); and each connection's buffers from
 * CLIENT LIST. Bounded twice: at most `maxKeys` keys sampled, and no new batch once
 * `timeBudgetMs` has passed (each command's deadline is what is left of the budget). A section
 * the server refuses (a renamed MEMORY command, an ACL without CLIENT) is reported in
 * `errors`, the rest of the report stands.
 */
import type { Client, InfoReply } from '../index.js';
import { checkOptions, intOption } from './options.js';
import { loadCore } from './core-loader.js';
import { patternOf } from './key-pattern.js';

/** Options of `memoryReport`. */
export interface MemoryReportOptions {
  /** Most keys sampled with MEMORY USAGE; 0 skips the key sample. @default 1000 */
  maxKeys?: number;
  /** Time after which no further batch of keys is sampled; also each command's deadline. @default 2000 (ms) */
  timeBudgetMs?: number;
  /** Rows in the biggest-keys, patterns and clients tables. @default 20 */
  top?: number;
  /** Only keys matching this glob-style pattern (SCAN MATCH). @default every key */
  match?: string;
  /** Nested values MEMORY USAGE samples per aggregate key (SAMPLES); 0 counts them all (slow on big keys). @default 5 */
  samples?: number;
}

/** One sampled key. */
export interface KeySize {
  key: string;
  /** Redis type (`string`, `hash`, `zset`...). */
  type: string;
  /** MEMORY USAGE: the key, its value and their overhead. (bytes) */
  bytes: number;
}

/** Keys of one pattern in the sample. */
export interface KeyPattern {
  /** The key shape, identifiers as `*` (`session:*`, `user:*:cart`). */
  pattern: string;
  keys: number;
  bytes: number;
  /** Share of the sampled bytes. (%) */
  percent: number;
  /** Keys of each type. */
  types: Record<string, number>;
}

/** One connection of the server, from CLIENT LIST. */
export interface ClientBuffers {
  id: string;
  addr: string;
  name: string;
  /** The last command it ran. */
  cmd: string;
  /** Seconds connected, and idle. (s) */
  ageSeconds: number;
  idleSeconds: number;
  flags: string;
  /** Output buffer memory (omem): replies not yet read by the client. (bytes) */
  outputBytes: number;
  /** Replies queued in the output list (oll). */
  outputListLength: number;
  /** Query buffer (qbuf): commands received, not yet parsed. (bytes) */
  queryBufferBytes: number;
  /** Everything this connection costs the server (tot-mem). (bytes) */
  totalBytes: number;
}

/** What `memoryReport` returns. Plain data. */
export interface MemoryReport {
  /** Headline figures from INFO (bytes unless named otherwise; null when INFO memory failed). */
  summary: {
    redisVersion: string | null;
    usedMemory: number | null;
    usedMemoryRss: number | null;
    usedMemoryPeak: number | null;
    /** `maxmemory`; 0 means no limit. */
    maxMemory: number | null;
    maxMemoryPolicy: string | null;
    /** RSS / used memory: above ~1.5 the allocator holds memory the data does not use. */
    fragmentationRatio: number | null;
    allocator: string | null;
    connectedClients: number | null;
    evictedKeys: number | null;
    expiredKeys: number | null;
  };
  /** INFO sections as the server sent them (memory, stats, clients, keyspace). */
  info: InfoReply;
  /** MEMORY STATS as a record (nested records for per-database figures), or null. */
  memoryStats: Record<string, unknown> | null;
  /** MEMORY DOCTOR's advice, or null. */
  doctor: string | null;
  keys: {
    /** Keys in the client's database (DBSIZE). */
    dbSize: number;
    /** Keys sampled, and their total MEMORY USAGE. */
    sampled: number;
    sampledBytes: number;
    /**
     * sampledBytes scaled to dbSize (an estimate unless `isComplete`); null when `match` limited
     * the scan and it did not finish (the number of matching keys is unknown).
     */
    estimatedTotalBytes: number | null;
    /** Whether SCAN went over every key (matching `match`). */
    isComplete: boolean;
    /** Why sampling stopped. */
    stoppedBy: 'done' | 'maxKeys' | 'timeBudget' | 'skipped' | 'error';
    biggest: KeySize[];
    patterns: KeyPattern[];
  };
  clients: {
    count: number;
    /** Sums over every connection. (bytes) */
    outputBytes: number;
    queryBufferBytes: number;
    totalBytes: number;
    /** The connections costing most (tot-mem), biggest first. */
    top: ClientBuffers[];
  };
  /** Sections that failed, by name (`info`, `memoryStats`, `doctor`, `keys`, `clients`), with the error's code and message. */
  errors: Record<string, { code: string; message: string }>;
  /** How long the report took. (ms) */
  durationMs: number;
}

/** The part of a client the report uses: its public API only. */
export type MemoryReportTarget = Pick<Client<unknown>, 'with'>;

const KNOWN = ['maxKeys', 'timeBudgetMs', 'top', 'match', 'samples'] as const;

const num = (v: unknown): number | null => {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};
const text = (v: unknown): string => (typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : String(v ?? ''));

function errorOf(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e?.code === 'string' ? e.code : 'ERR_UNKNOWN', message: typeof e?.message === 'string' ? e.message : String(err) };
}

/** MEMORY STATS (a RESP3 map or a RESP2 flat list of pairs, nested for db.N) as a record. */
function toRecord(reply: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (k: unknown, v: unknown): void => {
    out[text(k)] = v instanceof Map || (Array.isArray(v) && v.length % 2 === 0 && v.length > 0 && typeof v[0] === 'string') ? toRecord(v) : Buffer.isBuffer(v) ? text(v) : v;
  };
  if (reply instanceof Map) for (const [k, v] of reply) put(k, v);
  else if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) put(reply[i], reply[i + 1]);
  else if (reply !== null && typeof reply === 'object') for (const [k, v] of Object.entries(reply)) put(k, v);
  return out;
}

/**
 * Reports where the server's memory goes (see the file comment). Resolves with partial
 * sections and `errors` when some commands are refused; rejects only when the server cannot be
 * reached at all (INFO fails with a connection error, a timeout, or a closed client). Throws
 * ArgumentError synchronously on a bad option.
 *
 * Key names appear in the report (that is its point): mind where you send it.
 */
export function memoryReport(client: MemoryReportTarget, options?: MemoryReportOptions): Promise<MemoryReport> {
  const fn = 'memoryReport';
  const o = checkOptions(fn, options, KNOWN);
  const maxKeys = intOption(fn, o, 'maxKeys', 1000, 0, 10_000_000);
  const timeBudgetMs = intOption(fn, o, 'timeBudgetMs', 2000, 1, 3_600_000, ' (ms)');
  const top = intOption(fn, o, 'top', 20, 1, 10_000);
  const samples = intOption(fn, o, 'samples', 5, 0, 1_000_000);
  if (o.match !== undefined && (typeof o.match !== 'string' || o.match === '')) throw new (loadCore().ArgumentError)(`${fn}: option "match" must be a non-empty string`);
  return report(client, { maxKeys, timeBudgetMs, top, samples, match: o.match as string | undefined });
}

async function report(client: MemoryReportTarget, o: { maxKeys: number; timeBudgetMs: number; top: number; samples: number; match: string | undefined }): Promise<MemoryReport> {
  const start = performance.now();
  const left = (): number => Math.max(1, Math.round(o.timeBudgetMs - (performance.now() - start)));
  const errors: MemoryReport['errors'] = {};
  const ReplyError = loadCore().ReplyError;

  // Issued in one tick, so they leave in one write (auto-pipelining), each under the budget;
  // a refused command is recorded and the others stand.
  const r = client.with({ timeoutMs: left() });
  const settled = await Promise.allSettled([
    r.info('memory'),
    r.info('stats'),
    r.info('clients'),
    r.info('keyspace'),
    r.info('server'),
    r.call('MEMORY', 'STATS'),
    r.call('MEMORY', 'DOCTOR'),
    r.clientList(),
    r.dbSize(),
  ]);
  const [memory, stats, clientsInfo, keyspace, serverInfo, memoryStats, doctor, clientList, dbSize] = settled.map((x) => (x.status === 'fulfilled' ? x.value : x.reason instanceof Error ? x.reason : new Error(String(x.reason))));
  if (memory instanceof Error && !(memory instanceof ReplyError)) throw memory;
  const info: InfoReply = {};
  for (const [name, section] of [['memory', memory], ['stats', stats], ['clients', clientsInfo], ['keyspace', keyspace]] as const) {
    if (section instanceof Error) errors[`info ${name}`] = errorOf(section);
    // Plain objects: the client's records have no prototype.
    else for (const [key, fields] of Object.entries(section as InfoReply)) info[key] = { ...fields };
  }
  const server = serverInfo instanceof Error ? undefined : (serverInfo as InfoReply).server;
  const m = info.memory ?? {};
  const s = info.stats ?? {};
  const summary: MemoryReport['summary'] = {
    redisVersion: server?.redis_version ?? server?.valkey_version ?? null,
    usedMemory: num(m.used_memory),
    usedMemoryRss: num(m.used_memory_rss),
    usedMemoryPeak: num(m.used_memory_peak),
    maxMemory: num(m.maxmemory),
    maxMemoryPolicy: m.maxmemory_policy ?? null,
    fragmentationRatio: num(m.mem_fragmentation_ratio),
    allocator: m.mem_allocator ?? null,
    connectedClients: num(info.clients?.connected_clients),
    evictedKeys: num(s.evicted_keys),
    expiredKeys: num(s.expired_keys),
  };
  let stat: Record<string, unknown> | null = null;
  if (memoryStats instanceof Error) errors.memoryStats = errorOf(memoryStats);
  else stat = toRecord(memoryStats);
  let advice: string | null = null;
  if (doctor instanceof Error) errors.doctor = errorOf(doctor);
  else advice = text(doctor);

  const clients: MemoryReport['clients'] = { count: 0, outputBytes: 0, queryBufferBytes: 0, totalBytes: 0, top: [] };
  if (clientList instanceof Error) errors.clients = errorOf(clientList);
  else {
    const rows = (clientList as Record<string, string>[]).map(
      (c): ClientBuffers => ({
        id: c.id ?? '',
        addr: c.addr ?? '',
        name: c.name ?? '',
        cmd: c.cmd ?? '',
        ageSeconds: num(c.age) ?? 0,
        idleSeconds: num(c.idle) ?? 0,
        flags: c.flags ?? '',
        outputBytes: num(c.omem) ?? 0,
        outputListLength: num(c.oll) ?? 0,
        queryBufferBytes: num(c.qbuf) ?? 0,
        totalBytes: num(c['tot-mem']) ?? 0,
      }),
    );
    clients.count = rows.length;
    for (const c of rows) {
      clients.outputBytes += c.outputBytes;
      clients.queryBufferBytes += c.queryBufferBytes;
      clients.totalBytes += c.totalBytes;
    }
    clients.top = rows.sort((a, b) => b.totalBytes - a.totalBytes || b.outputBytes - a.outputBytes).slice(0, o.top);
  }
  if (dbSize instanceof Error) errors.dbSize = errorOf(dbSize);
  const keys = await sampleKeys(client, o, left, start, dbSize instanceof Error ? 0 : (dbSize as number), errors);
  return { summary, info, memoryStats: stat, doctor: advice, keys, clients, errors, durationMs: Math.round(performance.now() - start) };
}

async function sampleKeys(
  client: MemoryReportTarget,
  o: { maxKeys: number; timeBudgetMs: number; top: number; samples: number; match: string | undefined },
  left: () => number,
  start: number,
  dbSize: number,
  errors: MemoryReport['errors'],
): Promise<MemoryReport['keys']> {
  const sizes: KeySize[] = [];
  let stoppedBy: MemoryReport['keys']['stoppedBy'] = o.maxKeys === 0 ? 'skipped' : 'done';
  let isComplete = false;
  if (o.maxKeys > 0) {
    let cursor = '0';
    const count = Math.min(1000, Math.max(10, o.maxKeys));
    try {
      for (;;) {
        if (performance.now() - start >= o.timeBudgetMs) {
          stoppedBy = 'timeBudget';
          break;
        }
        const runner = client.with({ timeoutMs: left() });
        const step = (await runner.scan(cursor, o.match === undefined ? { count } : { count, match: o.match })) as { cursor: string; keys: unknown[] };
        const batch = step.keys.slice(0, o.maxKeys - sizes.length);
        if (batch.length > 0) {
          // One tick, one write: MEMORY USAGE and TYPE for the whole batch.
          const each = client.with({ timeoutMs: left() });
          const results = await Promise.all(batch.map((key) => Promise.all([each.memoryUsage(key as string, { samples: o.samples }), each.type(key as string)])));
          batch.forEach((key, i) => {
            const [bytes, type] = results[i];
            // A key deleted between SCAN and MEMORY USAGE has no size: skip it.
            if (typeof bytes === 'number') sizes.push({ key: text(key), type: text(type), bytes });
          });
        }
        cursor = text(step.cursor);
        if (cursor === '0') {
          isComplete = sizes.length < o.maxKeys || step.keys.length <= batch.length;
          break;
        }
        if (sizes.length >= o.maxKeys) {
          stoppedBy = 'maxKeys';
          break;
        }
      }
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      stoppedBy = code === 'ERR_COMMAND_TIMEOUT' ? 'timeBudget' : 'error';
      if (stoppedBy === 'error') errors.keys = errorOf(err);
    }
  }
  const sampledBytes = sizes.reduce((a, k) => a + k.bytes, 0);
  const byPattern = new Map<string, KeyPattern>();
  for (const k of sizes) {
    const pattern = patternOf(k.key);
    let p = byPattern.get(pattern);
    if (p === undefined) byPattern.set(pattern, (p = { pattern, keys: 0, bytes: 0, percent: 0, types: {} }));
    p.keys++;
    p.bytes += k.bytes;
    p.types[k.type] = (p.types[k.type] ?? 0) + 1;
  }
  const patterns = [...byPattern.values()]
    .sort((a, b) => b.bytes - a.bytes || b.keys - a.keys)
    .slice(0, o.top)
    .map((p) => ({ ...p, percent: sampledBytes === 0 ? 0 : Math.round((p.bytes / sampledBytes) * 10000) / 100 }));
  return {
    dbSize,
    sampled: sizes.length,
    sampledBytes,
    estimatedTotalBytes: isComplete ? sampledBytes : o.match !== undefined ? null : sizes.length === 0 ? 0 : Math.round((sampledBytes / sizes.length) * dbSize),
    isComplete,
    stoppedBy,
    biggest: sizes.sort((a, b) => b.bytes - a.bytes).slice(0, o.top),
    patterns,
  };
}
