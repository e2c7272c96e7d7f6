// @layer L7 diagnostics
/**
 * L7 diagnostics: the per-client metric families of `prometheusText`, read from `stats()`
 * snapshots only. A client becomes one or more POOL series (labels `client` and `address`):
 *   - a plain client: one, at its address;
 *   - a sentinel client (`stats().sentinel`): its master pool, plus its replica-read pool
 *     (`stats().replicaReads`) at the replica's address, each with a `role`;
 *   - a cluster client (`stats().nodes`): one per node, with the node's role in the slot map.
 * Every pool series gets the same families (so `sum by (client)` adds a cluster's nodes up);
 * a sentinel or cluster also gets a few families of its own, labelled by `client` only.
 *
 * Every numeric field of ClientStats is exported here, or named in docs/observability.md as
 * derived (totalConns is the sum of `leanredis_pool_connections` over its states).
 */
import type { ClientStats } from '../index.js';
import { type ExpositionWriter, escapeLabelValue } from './exposition.js';

/** One pool to render: `labels` is `client="..",address=".."` plus the constant labels, without braces. */
export interface PoolSeries {
  readonly labels: string;
  readonly stats: ClientStats;
  /** The pool's server role, for a sentinel's or cluster's pools; undefined for a plain client. */
  readonly role: string | undefined;
}

/** The cluster's own counters (`ClusterStats` of leanredis/cluster, read structurally). */
export interface ClusterFigures {
  readonly refreshes: number;
  readonly moved: number;
  readonly asked: number;
  readonly retries: number;
  readonly slotsServed: number;
  readonly masters: number;
}

/** The sentinel's own figures (`stats().sentinel` of leanredis/sentinel, read structurally). */
export interface SentinelFigures {
  readonly master: string | undefined;
  readonly sentinels: number;
  readonly discoveries: number;
  readonly switches: number;
  readonly refusedReplicas: number;
  readonly refusedMasters: number;
  readonly replicas: number;
}

/** A topology's own series: `labels` is `client=".."` plus the constant labels, without braces. */
export interface TopologySeries<F> {
  readonly labels: string;
  readonly figures: F;
}

type Value = (s: ClientStats) => number;

function perPool(w: ExpositionWriter, name: string, type: 'gauge' | 'counter', help: string, series: readonly PoolSeries[], value: Value, unit?: 'bytes' | 'seconds'): void {
  w.family(name, type, help, unit);
  for (const s of series) w.sample(`{${s.labels}}`, value(s.stats));
}

function perPoolBy(w: ExpositionWriter, name: string, type: 'gauge' | 'counter', help: string, series: readonly PoolSeries[], label: string, values: (s: ClientStats) => readonly (readonly [string, number])[]): void {
  w.family(name, type, help);
  for (const s of series) for (const [v, n] of values(s.stats)) w.sample(`{${s.labels},${label}="${escapeLabelValue(v)}"}`, n);
}

function perTopology<F>(w: ExpositionWriter, name: string, type: 'gauge' | 'counter', help: string, series: readonly TopologySeries<F>[], value: (f: F) => number): void {
  w.family(name, type, help);
  for (const s of series) w.sample(`{${s.labels}}`, value(s.figures));
}

const CIRCUIT_STATES = ['closed', 'open', 'halfOpen'] as const;

/** The pool families, one sample per pool series (nothing when there is none). */
export function writePools(w: ExpositionWriter, ns: string, series: readonly PoolSeries[]): void {
  if (series.length === 0) return;
  perPoolBy(w, `${ns}_pool_connections`, 'gauge', 'Connections by state: idle (exclusive, free), leased (acquire, blocking, WATCH, pub/sub), shared (multiplexed), dialling, closing.', series, 'state', (s) => [
    ['idle', s.idleConns],
    ['leased', s.leased],
    ['shared', s.sharedConns],
    ['dialling', s.dialling],
    ['closing', s.closing],
  ]);
  perPool(w, `${ns}_pool_max_connections`, 'gauge', 'The hard cap on connections (maxConnections).', series, (s) => s.maxConnections);
  perPool(w, `${ns}_pool_pending_requests`, 'gauge', 'Lease requests waiting for a connection now.', series, (s) => s.pendingRequests);
  perPool(w, `${ns}_pool_hits`, 'counter', 'Leases served by an idle connection.', series, (s) => s.hits);
  perPool(w, `${ns}_pool_misses`, 'counter', 'Leases that needed a new connection (dialled for them).', series, (s) => s.misses);
  perPool(w, `${ns}_pool_waits`, 'counter', 'Lease requests that had to wait for a connection.', series, (s) => s.waitCount);
  perPool(w, `${ns}_pool_wait_seconds`, 'counter', 'Time lease requests spent waiting for a connection.', series, (s) => s.waitDurationMs / 1000, 'seconds');
  perPool(w, `${ns}_pool_timeouts`, 'counter', 'Lease requests that failed with ERR_POOL_TIMEOUT.', series, (s) => s.timeouts);
  perPool(w, `${ns}_pool_connections_opened`, 'counter', 'Connections created (dialled).', series, (s) => s.created);
  perPool(w, `${ns}_pool_connections_stale`, 'counter', 'Connections closed for idle timeout, max lifetime or a dead idle socket.', series, (s) => s.staleConns);
  perPool(w, `${ns}_reconnects`, 'counter', 'Sockets lost and re-dialled by shared connections.', series, (s) => s.reconnects);
  perPool(w, `${ns}_connect_failures_in_a_row`, 'gauge', 'Connects (dial, TLS, handshake) failed in a row, over every connection; 0 once one succeeds.', series, (s) => s.failedConnects);
  perPoolBy(w, `${ns}_circuit_state`, 'gauge', 'The circuit breaker: 1 for the state it is in (closed, open: failing fast, halfOpen: a probe dial is under way), 0 for the others.', series, 'state', (s) =>
    CIRCUIT_STATES.map((state) => [state, s.circuit === state ? 1 : 0]),
  );
  perPool(w, `${ns}_circuit_opens`, 'counter', 'Times the circuit breaker opened.', series, (s) => s.circuitOpens);
  perPool(w, `${ns}_leases`, 'counter', 'Leases granted.', series, (s) => s.leases);
  perPool(w, `${ns}_lease_held_seconds`, 'counter', 'Time released leases were held.', series, (s) => s.leaseDurationMs / 1000, 'seconds');
  perPool(w, `${ns}_lease_leaks`, 'counter', 'Leases reported by leak detection (held past leakDetectionThresholdMs).', series, (s) => s.leaks);
  perPool(w, `${ns}_in_flight_commands`, 'gauge', 'Commands written and awaiting replies.', series, (s) => s.inFlight);
  perPool(w, `${ns}_in_flight_bytes`, 'gauge', 'Estimated bytes of the commands in flight.', series, (s) => s.inFlightBytes, 'bytes');
  perPool(w, `${ns}_in_flight_peak_commands`, 'gauge', 'The most commands in flight at once since the client was created (high-water mark).', series, (s) => s.inFlightPeak);
  perPool(w, `${ns}_in_flight_peak_bytes`, 'gauge', 'The most estimated bytes in flight at once since the client was created (high-water mark).', series, (s) => s.inFlightBytesPeak, 'bytes');
  perPool(w, `${ns}_queued_commands`, 'gauge', 'Commands accepted but not yet written.', series, (s) => s.queuedCommands);
  perPool(w, `${ns}_queued_bytes`, 'gauge', 'Estimated bytes of the queued commands.', series, (s) => s.queuedBytes, 'bytes');
  perPool(w, `${ns}_write_buffered_bytes`, 'gauge', 'Bytes written to sockets that Node still buffers.', series, (s) => s.writeBufferedBytes, 'bytes');
  perPoolBy(w, `${ns}_commands_rejected`, 'counter', 'Commands rejected at once with ERR_QUEUE_FULL, by the cap they met.', series, 'reason', (s) => Object.entries(s.rejected ?? {}));
  perPoolBy(w, `${ns}_write_holds`, 'counter', 'Times a connection stopped writing, by why (socket buffer full, an in-flight cap).', series, 'reason', (s) => Object.entries(s.writeHolds ?? {}));
  perPool(w, `${ns}_received_bytes`, 'counter', 'Bytes read from the server.', series, (s) => s.bytesIn, 'bytes');
  perPool(w, `${ns}_sent_bytes`, 'counter', 'Bytes written to the server.', series, (s) => s.bytesOut, 'bytes');
  perPool(w, `${ns}_pubsub_subscriptions`, 'gauge', 'Live pub/sub subscriptions.', series, (s) => s.subscriptions);
  perPool(w, `${ns}_pubsub_messages_dropped`, 'counter', "Pub/sub messages discarded by subscriptions with the 'drop' overflow policy.", series, (s) => s.messagesDropped);
  perPool(w, `${ns}_pubsub_reconnects`, 'counter', 'Reconnect windows of subscriber connections: each loss followed by a re-subscribe.', series, (s) => s.pubsubReconnects);
  perPool(w, `${ns}_pubsub_reconnect_seconds`, 'counter', 'Total length of those windows, from the loss to the re-subscribe (messages published meanwhile are not delivered).', series, (s) => s.pubsubReconnectMs / 1000, 'seconds');
  const roles = series.filter((s) => s.role !== undefined);
  if (roles.length > 0) {
    w.family(`${ns}_pool_info`, 'gauge', "Always 1: the role of a sentinel's or cluster's pool server (master, replica, unknown).");
    for (const s of roles) w.sample(`{${s.labels},role="${escapeLabelValue(s.role!)}"}`, 1);
  }
}

/** The cluster families (slot map and routing counters), one sample per cluster client. */
export function writeClusters(w: ExpositionWriter, ns: string, series: readonly TopologySeries<ClusterFigures>[]): void {
  if (series.length === 0) return;
  perTopology(w, `${ns}_cluster_slot_map_refreshes`, 'counter', 'Slot-map refreshes started (single-flight and rate-limited).', series, (f) => f.refreshes);
  w.family(`${ns}_cluster_redirections`, 'counter', 'MOVED and ASK answers followed, by type.');
  for (const s of series) {
    w.sample(`{${s.labels},type="moved"}`, s.figures.moved);
    w.sample(`{${s.labels},type="ask"}`, s.figures.asked);
  }
  perTopology(w, `${ns}_cluster_retries`, 'counter', 'Commands sent again after TRYAGAIN, CLUSTERDOWN, READONLY or an unreachable node.', series, (f) => f.retries);
  perTopology(w, `${ns}_cluster_slots_served`, 'gauge', 'Slots with a known node in the current map (16384 when the whole cluster is served).', series, (f) => f.slotsServed);
  perTopology(w, `${ns}_cluster_masters`, 'gauge', 'Masters in the current slot map.', series, (f) => f.masters);
}

/** The sentinel families (discovery, switches, refusals), one sample per sentinel client. */
export function writeSentinels(w: ExpositionWriter, ns: string, series: readonly TopologySeries<SentinelFigures>[]): void {
  if (series.length === 0) return;
  perTopology(w, `${ns}_sentinel_sentinels`, 'gauge', 'Sentinels known: those given plus those the sentinels reported.', series, (f) => f.sentinels);
  perTopology(w, `${ns}_sentinel_replicas`, 'gauge', 'Healthy replicas the sentinels listed last time.', series, (f) => f.replicas);
  perTopology(w, `${ns}_sentinel_discoveries`, 'counter', 'Discovery rounds run (each asks the sentinels in order until one answers).', series, (f) => f.discoveries);
  perTopology(w, `${ns}_sentinel_master_switches`, 'counter', 'Times the master changed after it was first found.', series, (f) => f.switches);
  w.family(`${ns}_sentinel_refused_servers`, 'counter', 'Servers refused by role: reason not_master (a master candidate said it was a replica), not_replica (a replica said it was a master).');
  for (const s of series) {
    w.sample(`{${s.labels},reason="not_master"}`, s.figures.refusedReplicas);
    w.sample(`{${s.labels},reason="not_replica"}`, s.figures.refusedMasters);
  }
  const known = series.filter((s) => s.figures.master !== undefined);
  if (known.length > 0) {
    w.family(`${ns}_sentinel_master_info`, 'gauge', 'Always 1: the master the client uses now (address = host:port).');
    for (const s of known) w.sample(`{${s.labels},address="${escapeLabelValue(s.figures.master!)}"}`, 1);
  }
}
