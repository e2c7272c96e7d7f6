// @layer L2 commands
/**
 * What the server says about itself: MEMORY (stats, doctor, allocator), LATENCY (the latency
 * monitor and per-command histograms) and COMMAND (the command table: INFO, DOCS, LIST,
 * GETKEYS). Replies are maps under RESP3 and flat lists under RESP2; the readers here accept
 * both, so results are the same objects under either protocol.
 */
import type { Arg } from '../resp/encoder.js';
import { checkOptions, bytes, optionsSpec, text } from './check-options.js';
import { invalid, listOf } from './arguments.js';
import { define, type ServerText, type Value } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { asString, toNumber, toRecord } from './replies.js';

/**
 * MEMORY STATS: the server's memory figures by field ("peak.allocated", "dataset.bytes",
 * "fragmentation"...: bytes, counts and ratios as numbers), and per database ("db.0") its
 * overheads under `databases`.
 */
export interface MemoryStats {
  /** Figures by the server's field name. */
  fields: Record<string, number>;
  /** Database index → overhead field → bytes ("overhead.hashtable.main"...). */
  databases: Record<string, Record<string, number>>;
}

/** One latency sample (LATENCY HISTORY). */
export interface LatencySample {
  timestampSeconds: number;
  latencyMs: number;
}

/** The latest spike of one event (LATENCY LATEST). */
export interface LatencyEvent {
  /** The event name: "command", "fast-command", "fork", "aof-write"... */
  event: ServerText;
  timestampSeconds: number;
  latestMs: number;
  /** The largest latency recorded for it. */
  maxMs: number;
}

/** A command's latency histogram (LATENCY HISTOGRAM). */
export interface LatencyHistogram {
  calls: number;
  /** [bucket upper bound (µs, a power of 2), calls in the bucket] in increasing order; empty buckets are left out. */
  buckets: [upperBoundUsec: number, calls: number][];
}

/** How one key spec of COMMAND INFO finds its keys: `type` ("index", "keyword", "range", "keynum"...) and its parameters. */
export interface KeySearch {
  type: ServerText;
  spec: Record<string, ServerText | number>;
}

/** One key spec of a command (COMMAND INFO), as the server states it. */
export interface CommandKeySpec {
  /** "RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete"... */
  flags: ServerText[];
  beginSearch: KeySearch;
  findKeys: KeySearch;
}

/** A command as COMMAND INFO describes it. */
export interface CommandInfo {
  /** Lower case; "container|subcommand" for subcommands. */
  name: ServerText;
  /** Arguments including the name; negative: at least that many. */
  arity: number;
  /** "write", "readonly", "blocking", "fast", "movablekeys"... */
  flags: ServerText[];
  firstKey: number;
  lastKey: number;
  keyStep: number;
  /** ACL categories: "@read", "@string"... */
  aclCategories: ServerText[];
  /** Hints for clients and proxies: "request_policy:all_shards", "nondeterministic_output"... */
  tips: ServerText[];
  keySpecs: CommandKeySpec[];
  subcommands: CommandInfo[];
}

/**
 * A command's documentation (COMMAND DOCS): summary, since, group, complexity and more
 * (doc_flags, deprecated_since, replaced_by, history, arguments, subcommands), field by field
 * as the server sends them, with nested maps as records and lists as arrays.
 */
export type CommandDoc = Record<string, DocValue>;
/** A value inside COMMAND DOCS. */
export type DocValue = ServerText | number | DocValue[] | { [field: string]: DocValue };

/** A key found by COMMAND GETKEYSANDFLAGS, with its access flags ("RW", "access", "insert"...). */
export interface KeyWithFlags {
  key: string;
  flags: ServerText[];
}

/** COMMAND LIST filters: at most one. */
export interface CommandListFilter {
  /** Commands of a module (FILTERBY MODULE). */
  module?: string;
  /** Commands of an ACL category, e.g. "read" or "@read" (FILTERBY ACLCAT). */
  aclCategory?: string;
  /** Commands whose name matches a glob pattern (FILTERBY PATTERN). */
  pattern?: string | Buffer;
}

const LIST_FILTER = optionsSpec({ module: text, aclCategory: text, pattern: bytes }, [['module', 'aclCategory', 'pattern']]);

function toMemoryStats(reply: unknown): MemoryStats {
  const fields: Record<string, number> = Object.create(null);
  const databases: Record<string, Record<string, number>> = Object.create(null);
  const all = toRecord(reply);
  for (const name of Object.keys(all)) {
    const v = all[name];
    if (name.startsWith('db.') && typeof v === 'object' && v !== null && !Buffer.isBuffer(v)) databases[name.slice(3)] = toRecord(v, toNumber);
    else fields[name] = toNumber(v);
  }
  return { fields, databases };
}

function toHistograms(reply: unknown): Record<string, LatencyHistogram> {
  const out: Record<string, LatencyHistogram> = Object.create(null);
  const all = toRecord(reply);
  for (const command of Object.keys(all)) {
    const h = toRecord(all[command]);
    const buckets = toRecord(h.histogram_usec, toNumber);
    out[command] = { calls: toNumber(h.calls), buckets: Object.keys(buckets).map((b) => [Number(b), buckets[b]] as [number, number]) };
  }
  return out;
}

function toKeySearch(reply: unknown): KeySearch {
  const s = toRecord(reply);
  return { type: asString(s.type), spec: toRecord(s.spec, (v) => (typeof v === 'number' ? v : asString(v))) };
}

function toCommandInfo(reply: unknown): CommandInfo {
  const c = reply as unknown[];
  const strings = (v: unknown): ServerText[] => ((v as unknown[] | undefined) ?? []).map(asString);
  return {
    name: asString(c[0]),
    arity: toNumber(c[1]),
    flags: strings(c[2]),
    firstKey: toNumber(c[3]),
    lastKey: toNumber(c[4]),
    keyStep: toNumber(c[5]),
    aclCategories: strings(c[6]),
    tips: strings(c[7]),
    keySpecs: ((c[8] as unknown[] | undefined) ?? []).map((k) => {
      const spec = toRecord(k);
      return { flags: strings(spec.flags), beginSearch: toKeySearch(spec.begin_search), findKeys: toKeySearch(spec.find_keys) };
    }),
    subcommands: ((c[9] as unknown[] | undefined) ?? []).map(toCommandInfo),
  };
}

// Maps (RESP3) and documented map-valued fields (RESP2 flat lists) become records; COMMAND
// DOCS nests maps in lists (arguments, subcommands), whose RESP2 form is told by the field name.
const MAP_FIELDS = new Set(['subcommands']);
const MAP_LIST_FIELDS = new Set(['arguments']);

function toDoc(reply: unknown): CommandDoc {
  const doc = toRecord(reply);
  const out: CommandDoc = Object.create(null);
  for (const field of Object.keys(doc)) out[field] = toDocValue(field, doc[field]);
  return out;
}

function toDocValue(field: string, v: unknown): DocValue {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' || Buffer.isBuffer(v)) return asString(v);
  if (v instanceof Map || MAP_FIELDS.has(field)) {
    const record = toRecord(v);
    const out: { [field: string]: DocValue } = Object.create(null);
    for (const k of Object.keys(record)) out[k] = field === 'subcommands' ? toDoc(record[k]) : toDocValue(k, record[k]);
    return out;
  }
  if (Array.isArray(v)) return v.map((item) => (MAP_LIST_FIELDS.has(field) ? toDoc(item) : toDocValue('', item)));
  return asString(v);
}

function commandNames(method: string, names: string | readonly string[] | undefined): Arg[] {
  return names === undefined ? [] : listOf(method, 'command name', names);
}

/** Server introspection: MEMORY, LATENCY and COMMAND. */
export interface IntrospectionCommands<K extends Kind> {
  /** MEMORY STATS: the server's memory figures. */
  memoryStats(): Out<K, MemoryStats>;
  /** MEMORY DOCTOR: the server's advice about its memory use, as text. */
  memoryDoctor(): Out<K, ServerText>;
  /** MEMORY MALLOC-STATS: the allocator's own report, as text. */
  memoryMallocStats(): Out<K, ServerText>;
  /** MEMORY PURGE: asks the allocator to return unused pages to the system. */
  memoryPurge(): Out<K, 'OK'>;
  /** LATENCY DOCTOR: the latency monitor's analysis, as text (enable it with latency-monitor-threshold). */
  latencyDoctor(): Out<K, ServerText>;
  /** LATENCY GRAPH event: an ASCII graph of one event's latency samples. */
  latencyGraph(event: string): Out<K, ServerText>;
  /** LATENCY HISTORY event: up to 160 latest samples of one event, oldest first. */
  latencyHistory(event: string): Out<K, LatencySample[]>;
  /** LATENCY LATEST: the latest spike of every event that had one. */
  latencyLatest(): Out<K, LatencyEvent[]>;
  /** LATENCY RESET [event ...]: clears the samples of these events (all without); how many were cleared. */
  latencyReset(events?: string | readonly string[]): Out<K, number>;
  /** LATENCY HISTOGRAM [command ...]: latency histograms by command (every command that ran, without names). */
  latencyHistogram(commands?: string | readonly string[]): Out<K, Record<string, LatencyHistogram>>;
  /** COMMAND INFO [name ...]: descriptions of these commands (all without names); null for a name the server does not know. */
  commandInfo(names?: string | readonly string[]): Out<K, (CommandInfo | null)[]>;
  /** COMMAND DOCS [name ...]: documentation by command name (all without names); unknown names are left out. */
  commandDocs(names?: string | readonly string[]): Out<K, Record<string, CommandDoc>>;
  /** COMMAND LIST [FILTERBY ...]: the names of the server's commands (subcommands as "container|sub"). */
  commandList(filter?: CommandListFilter): Out<K, ServerText[]>;
  /** COMMAND GETKEYS command [arg ...]: the keys the server finds in a full command line. */
  commandGetKeys(commandLine: readonly Value[]): Out<K, string[]>;
  /** COMMAND GETKEYSANDFLAGS command [arg ...]: the keys of a command line with how it uses each. */
  commandGetKeysAndFlags(commandLine: readonly Value[]): Out<K, KeyWithFlags[]>;
}

function commandLine(method: string, line: readonly Value[]): Arg[] {
  if (!Array.isArray(line) || line.length === 0) invalid(method, 'expected the command line as a non-empty array, e.g. ["SET", "k", "v"]');
  return [...line];
}

/** The family's definitions, built on first use (see commands/index.ts). */
export const introspectionCommands = (): Definitions<IntrospectionCommands<DefinitionKind>> => ({
  memoryStats: define('MEMORY STATS', { arity: 0, transform: toMemoryStats, readOnly: true, keys: [] }),
  memoryDoctor: define('MEMORY DOCTOR', { arity: 0, transform: asString, readOnly: true, keys: [] }),
  memoryMallocStats: define('MEMORY MALLOC-STATS', { arity: 0, transform: asString, readOnly: true, keys: [] }),
  memoryPurge: define('MEMORY PURGE', { arity: 0, keys: [] }),
  latencyDoctor: define('LATENCY DOCTOR', { arity: 0, transform: asString, readOnly: true, keys: [] }),
  latencyGraph: define('LATENCY GRAPH', { transform: asString, readOnly: true, keys: [] }),
  latencyHistory: define('LATENCY HISTORY', {
    transform: (r) => (r as unknown[][]).map((s) => ({ timestampSeconds: toNumber(s[0]), latencyMs: toNumber(s[1]) })),
    readOnly: true,
    keys: [],
  }),
  latencyLatest: define('LATENCY LATEST', {
    arity: 0,
    transform: (r) => (r as unknown[][]).map((e) => ({ event: asString(e[0]), timestampSeconds: toNumber(e[1]), latestMs: toNumber(e[2]), maxMs: toNumber(e[3]) })),
    readOnly: true,
    keys: [],
  }),
  latencyReset: define('LATENCY RESET', { build: (events?: string | readonly string[]) => (events === undefined ? [] : listOf('latencyReset', 'event', events)), keys: [] }),
  latencyHistogram: define('LATENCY HISTOGRAM', {
    build: (commands?: string | readonly string[]) => commandNames('latencyHistogram', commands),
    transform: toHistograms,
    readOnly: true,
    keys: [],
  }),
  commandInfo: define('COMMAND INFO', {
    build: (names?: string | readonly string[]) => commandNames('commandInfo', names),
    transform: (r) => (r as unknown[]).map((c) => (c === null ? null : toCommandInfo(c))),
    readOnly: true,
    keys: [],
  }),
  commandDocs: define('COMMAND DOCS', {
    build: (names?: string | readonly string[]) => commandNames('commandDocs', names),
    transform: (r) => toRecord(r, toDoc),
    readOnly: true,
    keys: [],
  }),
  commandList: define('COMMAND LIST', {
    build: (filter?: CommandListFilter) => {
      checkOptions('commandList', filter, LIST_FILTER);
      if (filter?.module !== undefined) return ['FILTERBY', 'MODULE', filter.module];
      if (filter?.aclCategory !== undefined) return ['FILTERBY', 'ACLCAT', filter.aclCategory];
      if (filter?.pattern !== undefined) return ['FILTERBY', 'PATTERN', filter.pattern];
      return [];
    },
    transform: (r) => (r as unknown[]).map(asString),
    readOnly: true,
    keys: [],
  }),
  commandGetKeys: define('COMMAND GETKEYS', { build: (line: readonly Value[]) => commandLine('commandGetKeys', line), readOnly: true, keys: [] }),
  commandGetKeysAndFlags: define('COMMAND GETKEYSANDFLAGS', {
    build: (line: readonly Value[]) => commandLine('commandGetKeysAndFlags', line),
    transform: (r) => (r as unknown[][]).map((k) => ({ key: k[0] as string, flags: (k[1] as unknown[]).map(asString) })),
    readOnly: true,
    keys: [],
  }),
});
