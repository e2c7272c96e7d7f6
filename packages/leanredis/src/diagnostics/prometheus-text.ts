// @layer L7 diagnostics
/**
 * L7 diagnostics: `prometheusText(clients, options)`, the figures of leanredis clients (their
 * `stats()` snapshots), of a command recorder (`createCommandMetrics`) and of a memory watch
 * (its latest sample) in the Prometheus text exposition format or OpenMetrics text, for a
 * `/metrics` handler. Nothing here keeps state or starts anything: each call reads and renders.
 *
 * Names follow Prometheus conventions: base units (seconds, bytes), `_total` counters, one
 * family per quantity with the dimension as a label (`state`, `reason`), never a key or a value
 * in a label. Per-pool series carry `client` (the record key, or the position in the array)
 * and `address` (a cluster has a pool per node, a sentinel client one for its replica reads);
 * the families themselves are in client-families.ts.
 */
import type { ClientStats } from '../index.js';
import type { MemoryWatch } from './watch-memory.js';
import { checkOptions, booleanOption } from './options.js';
import { loadCore } from './core-loader.js';
import { CommandMetrics } from './command-metrics.js';
import { BATCH_SIZE_LABELS } from './batch-metrics.js';
import { ExpositionWriter, escapeLabelValue, isLabelName, isMetricName, withLabel } from './exposition.js';
import { type ClusterFigures, type PoolSeries, type SentinelFigures, type TopologySeries, writeClusters, writePools, writeSentinels } from './client-families.js';

/**
 * The part of a client `prometheusText` reads: its public `stats()` and `toJSON()`. A client
 * of `leanredis`, of `leanredis/sentinel` (its replica-read pool too) or of `leanredis/cluster`
 * (a pool per node, and the cluster's counters).
 */
export interface MetricsClient {
  stats(): ClientStats | { readonly nodes: Readonly<Record<string, ClientStats>> };
  toJSON(): object;
}

/** Options of `prometheusText`. */
export interface PrometheusTextOptions {
  /** OpenMetrics 1.0 text (`# UNIT`, counters named without `_total`, `# EOF`) instead of Prometheus 0.0.4. @default false */
  openMetrics?: boolean;
  /** Command counts, latency histograms and errors by code, from `createCommandMetrics()`. */
  commands?: CommandMetrics;
  /** A memory watch: its latest sample becomes process gauges (memory, handles by type, event-loop delay, CPU). */
  watch?: MemoryWatch;
  /** Prefix of every metric name (`<namespace>_pool_connections`). @default 'leanredis' */
  namespace?: string;
  /** Labels added to every series, e.g. `{ service: 'checkout' }`: names `[a-zA-Z_][a-zA-Z0-9_]*`, not `__`-prefixed, none of ours. */
  labels?: Readonly<Record<string, string>>;
}

const KNOWN = ['openMetrics', 'commands', 'watch', 'namespace', 'labels'] as const;
/** Labels we set ourselves: a constant label must not collide with them. */
const OWN_LABELS = ['client', 'address', 'state', 'reason', 'command', 'code', 'le', 'area', 'type', 'stat', 'quantile', 'role', 'mode'];

/**
 * The Content-Type header for `prometheusText`'s output: Prometheus text 0.0.4, or OpenMetrics
 * 1.0 when `openMetrics` is true. A scrape handler can pick by the request's Accept header
 * (`application/openmetrics-text` means the scraper takes OpenMetrics).
 */
export function prometheusContentType(openMetrics = false): string {
  return openMetrics ? 'application/openmetrics-text; version=1.0.0; charset=utf-8' : 'text/plain; version=0.0.4; charset=utf-8';
}

function invalid(message: string): never {
  throw new (loadCore().ArgumentError)(`prometheusText: ${message}`, 'ERR_INVALID_OPTION');
}

/** What the clients become: pool series, and the cluster and sentinel series of their own. */
interface ClientSeries {
  readonly pools: PoolSeries[];
  readonly clusters: TopologySeries<ClusterFigures>[];
  readonly sentinels: TopologySeries<SentinelFigures>[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function clientSeries(clients: unknown, constant: string): ClientSeries {
  const out: ClientSeries = { pools: [], clusters: [], sentinels: [] };
  if (clients === undefined || clients === null) return out;
  if (typeof clients !== 'object') invalid('clients must be an array of clients or an object of named clients');
  const entries: [string, unknown][] = Array.isArray(clients) ? clients.map((c, i) => [String(i), c]) : Object.entries(clients);
  for (const [key, client] of entries) {
    const c = client as MetricsClient;
    if (typeof c?.stats !== 'function' || typeof c.toJSON !== 'function') invalid(`clients["${key}"] is not a leanredis client`);
    const own = `${constant}client="${escapeLabelValue(key)}"`;
    const pool = (address: unknown, stats: ClientStats, role: string | undefined): void => {
      out.pools.push({ labels: `${own},address="${escapeLabelValue(typeof address === 'string' ? address : 'unknown')}"`, stats, role });
    };
    const stats = c.stats() as unknown as Record<string, unknown>;
    if (isObject(stats.nodes) && typeof stats.slotsServed === 'number') {
      // A cluster client: a pool per node, then the cluster's own counters.
      for (const [address, node] of Object.entries(stats.nodes)) pool(address, node as ClientStats, (node as { role?: string }).role ?? 'unknown');
      out.clusters.push({ labels: own, figures: stats as unknown as ClusterFigures });
      continue;
    }
    const address = (c.toJSON() as { address?: unknown }).address;
    if (isObject(stats.sentinel)) {
      const sentinel = stats.sentinel as unknown as SentinelFigures & { replica?: string };
      pool(address, stats as unknown as ClientStats, 'master');
      if (isObject(stats.replicaReads)) pool(sentinel.replica, stats.replicaReads as unknown as ClientStats, 'replica');
      out.sentinels.push({ labels: own, figures: sentinel });
      continue;
    }
    pool(address, stats as unknown as ClientStats, undefined);
  }
  return out;
}

function constantLabels(labels: unknown): string {
  if (labels === undefined) return '';
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) invalid('option "labels" must be an object of label names to string values');
  let out = '';
  for (const [name, value] of Object.entries(labels)) {
    if (!isLabelName(name) || OWN_LABELS.includes(name)) invalid(`option "labels": "${name}" is not a valid label name or is one leanredis sets itself (${OWN_LABELS.join(', ')})`);
    if (typeof value !== 'string') invalid(`option "labels": the value of "${name}" must be a string`);
    out += `${name}="${escapeLabelValue(value)}",`;
  }
  return out;
}

function writeBatches(w: ExpositionWriter, ns: string, metrics: CommandMetrics, constant: string): void {
  const entries = metrics.batchEntries();
  if (entries.length === 0) return;
  w.family(`${ns}_batches`, 'counter', 'Pipelines and transactions whose exec() settled, by mode (PIPELINE, MULTI).');
  for (const e of entries) w.sample(`{${constant}${e.label}}`, e.count);
  w.family(`${ns}_batch_errors`, 'counter', 'Pipelines and transactions whose exec() rejected, by mode and error code (a transport error, EXECABORT, ERR_PIPELINE...).');
  for (const e of entries) for (const err of e.errors.values()) w.sample(`{${constant}${err.label}}`, err.count);
  w.family(`${ns}_batch_size`, 'histogram', 'Commands per pipeline or transaction (MULTI and EXEC not counted), by mode.');
  for (const e of entries) w.histogram(`{${constant}${e.label}}`, BATCH_SIZE_LABELS, e.sizes, e.commands);
  w.family(`${ns}_batch_duration_seconds`, 'histogram', 'Time from exec() to its outcome, by mode.', 'seconds');
  for (const e of entries) w.histogram(`{${constant}${e.label}}`, metrics.boundLabels, e.durations, e.sumMs / 1000);
}

function writeCommands(w: ExpositionWriter, ns: string, metrics: CommandMetrics, constant: string): void {
  const entries = metrics.entries();
  if (entries.length === 0) return;
  w.family(`${ns}_commands`, 'counter', 'Commands that settled, by command name (never by key).');
  for (const e of entries) w.sample(`{${constant}${e.label}}`, e.count);
  w.family(`${ns}_command_errors`, 'counter', 'Commands that failed, by command name and error code (the server prefix for a reply error, e.g. WRONGTYPE; ours otherwise, e.g. ERR_COMMAND_TIMEOUT).');
  for (const e of entries) for (const err of e.errors.values()) w.sample(`{${constant}${err.label}}`, err.count);
  w.family(`${ns}_command_duration_seconds`, 'histogram', 'Time from the call to the outcome, by command name; a pipeline or transaction command gets its batch time.', 'seconds');
  const bounds = metrics.boundLabels;
  for (const e of entries) w.histogram(`{${constant}${e.label}}`, bounds, e.buckets, e.sumMs / 1000);
}

function writeWatch(w: ExpositionWriter, ns: string, watch: MemoryWatch, constant: string): void {
  const s = watch.lastSample;
  if (s === undefined) return;
  const open = constant === '' ? '' : `{${constant.slice(0, -1)}}`;
  w.family(`${ns}_process_memory_bytes`, 'gauge', 'Process memory by area at the last watch sample: V8 heap used and total, external, array buffers, RSS, and gap = rss - (heap_total + external).', 'bytes');
  for (const [area, value] of [
    ['heap_used', s.heapUsed],
    ['heap_total', s.heapTotal],
    ['external', s.external],
    ['array_buffers', s.arrayBuffers],
    ['rss', s.rss],
    ['gap', s.gap],
  ] as const) {
    w.sample(withLabel(open, 'area', area), value);
  }
  w.family(`${ns}_process_active_resources`, 'gauge', 'Active handles, requests and timers by type (process.getActiveResourcesInfo()) at the last watch sample.');
  for (const type of Object.keys(s.resources).sort()) w.sample(withLabel(open, 'type', type), s.resources[type]);
  w.family(`${ns}_event_loop_delay_seconds`, 'gauge', 'Event-loop delay between the last two watch samples (mean, p50, p99, max).', 'seconds');
  const d = s.eventLoopDelay;
  for (const [stat, ms] of [
    ['mean', d.meanMs],
    ['p50', d.p50Ms],
    ['p99', d.p99Ms],
    ['max', d.maxMs],
  ] as const) {
    w.sample(withLabel(open, 'stat', stat), ms / 1000);
  }
  w.family(`${ns}_process_cpu_ratio`, 'gauge', 'Process CPU (user + system) between the last two watch samples, as a fraction of one core.');
  w.sample(open, s.cpuPercent / 100);
}

/**
 * Renders the exposition text for a `/metrics` endpoint: per client (pool connections by
 * state, pending lease requests, in-flight and queued commands and bytes, reconnects, rejections,
 * bytes in and out...), per command when `commands` is given (counts, errors by code, latency
 * histogram in seconds with sub-millisecond buckets) and per batch mode (pipelines and
 * transactions: counts, errors, size and duration histograms), and process gauges when `watch`
 * is given.
 * `clients` is an array (labelled by position) or an object of named clients (labelled by key).
 * Serve it with `prometheusContentType(openMetrics)`. Throws ArgumentError (ERR_INVALID_OPTION)
 * on an unknown option, a bad namespace or label.
 *
 * ```ts
 * const commands = createCommandMetrics();
 * app.get('/metrics', (req, res) => {
 *   const openMetrics = /application\/openmetrics-text/.test(req.headers.accept ?? '');
 *   res.type(prometheusContentType(openMetrics)).send(prometheusText({ cache: client }, { commands, openMetrics }));
 * });
 * ```
 */
export function prometheusText(clients: readonly MetricsClient[] | Readonly<Record<string, MetricsClient>> | undefined, options?: PrometheusTextOptions): string {
  const fn = 'prometheusText';
  const o = checkOptions(fn, options, KNOWN);
  const openMetrics = booleanOption(fn, o, 'openMetrics', false);
  const ns = o.namespace ?? 'leanredis';
  if (typeof ns !== 'string' || !isMetricName(ns)) invalid('option "namespace" must match [a-zA-Z_:][a-zA-Z0-9_:]*');
  if (o.commands !== undefined && !(o.commands instanceof CommandMetrics)) invalid('option "commands" must be what createCommandMetrics() returns');
  const watch = o.watch as MemoryWatch | undefined;
  if (watch !== undefined && (typeof watch !== 'object' || watch === null || !('lastSample' in watch))) invalid('option "watch" must be what watchMemory() returns');
  const constant = constantLabels(o.labels);
  const w = new ExpositionWriter(openMetrics);
  const series = clientSeries(clients, constant);
  writePools(w, ns, series.pools);
  writeClusters(w, ns, series.clusters);
  writeSentinels(w, ns, series.sentinels);
  if (o.commands !== undefined) {
    writeCommands(w, ns, o.commands, constant);
    writeBatches(w, ns, o.commands, constant);
  }
  if (watch !== undefined) writeWatch(w, ns, watch, constant);
  return w.text();
}
