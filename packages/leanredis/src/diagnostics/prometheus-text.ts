// @layer L7 diagnostics
/**
 * L7 diagnostics: `prometheusText(clients, options)`, the figures of leanredis clients (their
 * `stats()` snapshots), of a command recorder (`createCommandMetrics`) and of a memory watch
 * (its latest sample) in the Prometheus text exposition format or OpenMetrics text, for a
 * `/metrics` handler. Nothing here keeps state or starts anything: each call reads and renders.
 *
 * Names follow Prometheus conventions: base units (seconds, bytes), `_total` counters, one
 * family per quantity with the dimension as a label (`state`, `reason`), never a key or a value
 * in a label. Per-client series carry `client` (the record key, or the position in the array)
 * and `address`.
 */
import type { ClientStats } from '../index.js';
import type { MemoryWatch } from './watch-memory.js';
import { checkOptions, booleanOption } from './options.js';
import { loadCore } from './core-loader.js';
import { CommandMetrics } from './command-metrics.js';
import { ExpositionWriter, escapeLabelValue, isLabelName, isMetricName, withLabel } from './exposition.js';

/** The part of a client `prometheusText` reads: its public `stats()` and `toJSON()`. */
export interface MetricsClient {
  stats(): ClientStats;
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
const OWN_LABELS = ['client', 'address', 'state', 'reason', 'command', 'code', 'le', 'area', 'type', 'stat', 'quantile'];

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

interface Series {
  /** `client="0",address="127.0.0.1:6379"` plus the constant labels, without braces. */
  readonly labels: string;
  readonly stats: ClientStats;
}

/** Writes a family with one sample per client (`value` of its stats). */
function perClient(w: ExpositionWriter, name: string, type: 'gauge' | 'counter', help: string, series: readonly Series[], value: (s: ClientStats) => number, unit?: 'bytes' | 'seconds'): void {
  if (series.length === 0) return;
  w.family(name, type, help, unit);
  for (const s of series) w.sample(`{${s.labels}}`, value(s.stats));
}

/** Writes a family with one sample per client and per value of `label` (`values` of its stats). */
function perClientBy(w: ExpositionWriter, name: string, type: 'gauge' | 'counter', help: string, series: readonly Series[], label: string, values: (s: ClientStats) => readonly (readonly [string, number])[]): void {
  if (series.length === 0) return;
  w.family(name, type, help);
  for (const s of series) for (const [v, n] of values(s.stats)) w.sample(`{${s.labels},${label}="${escapeLabelValue(v)}"}`, n);
}

function clientSeries(clients: unknown, constant: string): Series[] {
  if (clients === undefined || clients === null) return [];
  if (typeof clients !== 'object') invalid('clients must be an array of clients or an object of named clients');
  const entries: [string, unknown][] = Array.isArray(clients) ? clients.map((c, i) => [String(i), c]) : Object.entries(clients);
  return entries.map(([key, client]) => {
    const c = client as MetricsClient;
    if (typeof c?.stats !== 'function' || typeof c.toJSON !== 'function') invalid(`clients["${key}"] is not a leanredis client`);
    const address = (c.toJSON() as { address?: unknown }).address;
    const labels = `${constant}client="${escapeLabelValue(key)}",address="${escapeLabelValue(typeof address === 'string' ? address : 'unknown')}"`;
    return { labels, stats: c.stats() };
  });
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

function writeClients(w: ExpositionWriter, ns: string, series: readonly Series[]): void {
  perClientBy(w, `${ns}_pool_connections`, 'gauge', 'Connections by state: idle (exclusive, free), leased (acquire, blocking, WATCH, pub/sub), shared (multiplexed), dialling, closing.', series, 'state', (s) => [
    ['idle', s.idleConns],
    ['leased', s.leased],
    ['shared', s.sharedConns],
    ['dialling', s.dialling],
    ['closing', s.closing],
  ]);
  perClient(w, `${ns}_pool_max_connections`, 'gauge', 'The hard cap on connections (maxConnections).', series, (s) => s.maxConnections);
  perClient(w, `${ns}_pool_pending_requests`, 'gauge', 'Lease requests waiting for a connection now.', series, (s) => s.pendingRequests);
  perClient(w, `${ns}_pool_waits`, 'counter', 'Lease requests that had to wait for a connection.', series, (s) => s.waitCount);
  perClient(w, `${ns}_pool_wait_seconds`, 'counter', 'Time lease requests spent waiting for a connection.', series, (s) => s.waitDurationMs / 1000, 'seconds');
  perClient(w, `${ns}_pool_timeouts`, 'counter', 'Lease requests that failed with ERR_POOL_TIMEOUT.', series, (s) => s.timeouts);
  perClient(w, `${ns}_pool_connections_opened`, 'counter', 'Connections created (dialled).', series, (s) => s.created);
  perClient(w, `${ns}_pool_connections_stale`, 'counter', 'Connections closed for idle timeout, max lifetime or a dead idle socket.', series, (s) => s.staleConns);
  perClient(w, `${ns}_reconnects`, 'counter', 'Sockets lost and re-dialled by shared connections.', series, (s) => s.reconnects);
  perClient(w, `${ns}_leases`, 'counter', 'Leases granted.', series, (s) => s.leases);
  perClient(w, `${ns}_lease_leaks`, 'counter', 'Leases reported by leak detection (held past leakDetectionThresholdMs).', series, (s) => s.leaks);
  perClient(w, `${ns}_in_flight_commands`, 'gauge', 'Commands written and awaiting replies.', series, (s) => s.inFlight);
  perClient(w, `${ns}_in_flight_bytes`, 'gauge', 'Estimated bytes of the commands in flight.', series, (s) => s.inFlightBytes, 'bytes');
  perClient(w, `${ns}_queued_commands`, 'gauge', 'Commands accepted but not yet written.', series, (s) => s.queuedCommands);
  perClient(w, `${ns}_queued_bytes`, 'gauge', 'Estimated bytes of the queued commands.', series, (s) => s.queuedBytes, 'bytes');
  perClient(w, `${ns}_write_buffered_bytes`, 'gauge', 'Bytes written to sockets that Node still buffers.', series, (s) => s.writeBufferedBytes, 'bytes');
  perClientBy(w, `${ns}_commands_rejected`, 'counter', 'Commands rejected at once with ERR_QUEUE_FULL, by the cap they met.', series, 'reason', (s) => Object.entries(s.rejected));
  perClientBy(w, `${ns}_write_holds`, 'counter', 'Times a connection stopped writing, by why (socket buffer full, an in-flight cap).', series, 'reason', (s) => Object.entries(s.writeHolds));
  perClient(w, `${ns}_received_bytes`, 'counter', 'Bytes read from the server.', series, (s) => s.bytesIn, 'bytes');
  perClient(w, `${ns}_sent_bytes`, 'counter', 'Bytes written to the server.', series, (s) => s.bytesOut, 'bytes');
  perClient(w, `${ns}_pubsub_subscriptions`, 'gauge', 'Live pub/sub subscriptions.', series, (s) => s.subscriptions);
  perClient(w, `${ns}_pubsub_messages_dropped`, 'counter', "Pub/sub messages discarded by subscriptions with the 'drop' overflow policy.", series, (s) => s.messagesDropped);
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
 * histogram in seconds with sub-millisecond buckets), and process gauges when `watch` is given.
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
  writeClients(w, ns, clientSeries(clients, constant));
  if (o.commands !== undefined) writeCommands(w, ns, o.commands, constant);
  if (watch !== undefined) writeWatch(w, ns, watch, constant);
  return w.text();
}
