/**
 * prometheusText and createCommandMetrics without a server: fake clients (stats() and toJSON()),
 * outcomes recorded directly. The output is read back with a strict parser written from the
 * specs (test/helpers/exposition-parser.ts) in both formats; the parser itself is checked to
 * refuse what the specs forbid. promtool's verdict is in test/integration/diagnostics-prometheus.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, ReplyError, createClient, type ClientStats } from '../../src/index.ts';
import { prometheusText, prometheusContentType, createCommandMetrics, CommandMetrics, type MemoryWatch } from '../../src/diagnostics/index.ts';
import { parseExposition, type ParsedFamily } from '../helpers/exposition-parser.ts';
import type { ClusterStats } from '../../src/cluster.ts';
import type { SentinelClientStats } from '../../src/sentinel/index.ts';

function stats(overrides: Partial<ClientStats> = {}): ClientStats {
  return {
    hits: 1, misses: 2, timeouts: 0, waitCount: 3, waitDurationMs: 1500, totalConns: 4, idleConns: 1, staleConns: 0, pendingRequests: 2, sharedConns: 1, leased: 1,
    dialling: 1, closing: 0, inFlight: 7, inFlightBytes: 700, inFlightPeak: 9, inFlightBytesPeak: 900, writeBufferedBytes: 0,
    rejected: { queuedCommands: 0, queuedBytes: 1, inFlightCommands: 0, inFlightBytes: 0, pendingAcquires: 0 }, writeHolds: { socket: 2, inFlightCommands: 0, inFlightBytes: 0 },
    queuedCommands: 5, queuedBytes: 500, bytesIn: 1000, bytesOut: 2000, reconnects: 3, created: 4, leases: 6, leaks: 0, leaseDurationMs: 10, maxConnections: 10,
    circuit: 'closed', circuitOpens: 0, failedConnects: 0, subscriptions: 0, messagesDropped: 0, pubsubReconnects: 0, pubsubReconnectMs: 0, ...overrides,
  };
}

function fakeClient(address: string, overrides: Partial<ClientStats> = {}): { stats(): ClientStats; toJSON(): object } {
  return { stats: () => stats(overrides), toJSON: () => ({ address, database: 0 }) };
}

function value(families: Map<string, ParsedFamily>, family: string, sample: string, labels: Record<string, string>): number | undefined {
  const f = families.get(family);
  return f?.samples.find((s) => s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

function recorder(): CommandMetrics {
  const m = createCommandMetrics();
  m.stop(); // recorded by hand here: no channel traffic from other tests
  return m;
}

test('pool gauges, in-flight and queued figures and reconnects, per client, parse in both formats', () => {
  const clients = { cache: fakeClient('127.0.0.1:6379'), sessions: fakeClient('10.0.0.2:6380', { reconnects: 9, idleConns: 0 }) };
  const prom = parseExposition(prometheusText(clients), 'prometheus');
  assert.equal(value(prom, 'leanredis_pool_connections', 'leanredis_pool_connections', { client: 'cache', state: 'idle' }), 1);
  assert.equal(value(prom, 'leanredis_pool_connections', 'leanredis_pool_connections', { client: 'cache', state: 'dialling' }), 1);
  assert.equal(value(prom, 'leanredis_pool_connections', 'leanredis_pool_connections', { client: 'sessions', state: 'idle', address: '10.0.0.2:6380' }), 0);
  assert.equal(value(prom, 'leanredis_pool_pending_requests', 'leanredis_pool_pending_requests', { client: 'cache' }), 2);
  assert.equal(value(prom, 'leanredis_in_flight_bytes', 'leanredis_in_flight_bytes', { client: 'cache' }), 700);
  assert.equal(value(prom, 'leanredis_queued_commands', 'leanredis_queued_commands', { client: 'cache' }), 5);
  assert.equal(value(prom, 'leanredis_reconnects_total', 'leanredis_reconnects_total', { client: 'sessions' }), 9);
  assert.equal(value(prom, 'leanredis_pool_wait_seconds_total', 'leanredis_pool_wait_seconds_total', { client: 'cache' }), 1.5);
  assert.equal(prom.get('leanredis_reconnects_total')?.type, 'counter');
  const om = parseExposition(prometheusText(clients, { openMetrics: true }), 'openmetrics');
  assert.equal(om.get('leanredis_reconnects')?.type, 'counter', 'OpenMetrics names the counter family without _total');
  assert.equal(value(om, 'leanredis_reconnects', 'leanredis_reconnects_total', { client: 'sessions' }), 9);
  assert.equal(om.get('leanredis_in_flight_bytes')?.unit, 'bytes');
  assert.equal(om.get('leanredis_pool_wait_seconds')?.unit, 'seconds');
});

/** Where each numeric stats() field is exported: family (Prometheus name) and extra labels. */
const EXPORTED: Record<string, [string, Record<string, string>] | 'derived'> = {
  hits: ['leanredis_pool_hits_total', {}],
  misses: ['leanredis_pool_misses_total', {}],
  timeouts: ['leanredis_pool_timeouts_total', {}],
  waitCount: ['leanredis_pool_waits_total', {}],
  waitDurationMs: ['leanredis_pool_wait_seconds_total', {}],
  totalConns: 'derived', // the sum of leanredis_pool_connections over its states
  idleConns: ['leanredis_pool_connections', { state: 'idle' }],
  staleConns: ['leanredis_pool_connections_stale_total', {}],
  pendingRequests: ['leanredis_pool_pending_requests', {}],
  sharedConns: ['leanredis_pool_connections', { state: 'shared' }],
  leased: ['leanredis_pool_connections', { state: 'leased' }],
  dialling: ['leanredis_pool_connections', { state: 'dialling' }],
  closing: ['leanredis_pool_connections', { state: 'closing' }],
  inFlight: ['leanredis_in_flight_commands', {}],
  inFlightBytes: ['leanredis_in_flight_bytes', {}],
  inFlightPeak: ['leanredis_in_flight_peak_commands', {}],
  inFlightBytesPeak: ['leanredis_in_flight_peak_bytes', {}],
  writeBufferedBytes: ['leanredis_write_buffered_bytes', {}],
  queuedCommands: ['leanredis_queued_commands', {}],
  queuedBytes: ['leanredis_queued_bytes', {}],
  bytesIn: ['leanredis_received_bytes_total', {}],
  bytesOut: ['leanredis_sent_bytes_total', {}],
  reconnects: ['leanredis_reconnects_total', {}],
  created: ['leanredis_pool_connections_opened_total', {}],
  leases: ['leanredis_leases_total', {}],
  leaks: ['leanredis_lease_leaks_total', {}],
  leaseDurationMs: ['leanredis_lease_held_seconds_total', {}],
  maxConnections: ['leanredis_pool_max_connections', {}],
  circuitOpens: ['leanredis_circuit_opens_total', {}],
  failedConnects: ['leanredis_connect_failures_in_a_row', {}],
  subscriptions: ['leanredis_pubsub_subscriptions', {}],
  messagesDropped: ['leanredis_pubsub_messages_dropped_total', {}],
  pubsubReconnects: ['leanredis_pubsub_reconnects_total', {}],
  pubsubReconnectMs: ['leanredis_pubsub_reconnect_seconds_total', {}],
};

test('every field of stats() is exported: each numeric one under its family, rejections and write holds by reason, the circuit by state', async () => {
  // The fields a real client reports today: a field added to stats() fails here until it is exported.
  const real = createClient({ port: 1 });
  const fields = real.stats();
  await real.close();
  const numeric = Object.keys(fields).filter((k) => typeof fields[k as keyof ClientStats] === 'number');
  assert.deepEqual(numeric.filter((k) => !(k in EXPORTED)), [], 'numeric stats() fields with no family: export them (and list them in EXPORTED and docs/observability.md)');
  assert.deepEqual(Object.keys(fields).filter((k) => typeof fields[k as keyof ClientStats] !== 'number').sort(), ['circuit', 'rejected', 'writeHolds']);
  // Distinct values, so each sample is provably its own field (ms fields are exported in seconds).
  const distinct: Record<string, number> = {};
  numeric.forEach((k, i) => (distinct[k] = (i + 1) * 1000));
  const overrides = { ...distinct, circuit: 'halfOpen', rejected: { queuedCommands: 11, queuedBytes: 12, inFlightCommands: 13, inFlightBytes: 14 }, writeHolds: { socket: 21, inFlightCommands: 22, inFlightBytes: 23 } } as Partial<ClientStats>;
  for (const format of ['prometheus', 'openmetrics'] as const) {
    const f = parseExposition(prometheusText({ c: fakeClient('h:1', overrides) }, { openMetrics: format === 'openmetrics' }), format);
    const find = (sample: string, labels: Record<string, string>): number | undefined => {
      for (const family of f.values()) {
        const hit = family.samples.find((s) => s.name === sample && Object.entries({ client: 'c', ...labels }).every(([k, v]) => s.labels[k] === v));
        if (hit !== undefined) return hit.value;
      }
      return undefined;
    };
    for (const k of numeric) {
      const where = EXPORTED[k];
      if (where === 'derived') continue;
      assert.equal(find(where[0], where[1]), k.endsWith('Ms') ? distinct[k] / 1000 : distinct[k], `${k} -> ${where[0]}`);
    }
    for (const [reason, n] of Object.entries(overrides.rejected!)) assert.equal(find('leanredis_commands_rejected_total', { reason }), n);
    for (const [reason, n] of Object.entries(overrides.writeHolds!)) assert.equal(find('leanredis_write_holds_total', { reason }), n);
    assert.deepEqual(['closed', 'open', 'halfOpen'].map((state) => find('leanredis_circuit_state', { state })), [0, 0, 1]);
    assert.equal(f.get(format === 'prometheus' ? 'leanredis_pubsub_reconnect_seconds_total' : 'leanredis_pubsub_reconnect_seconds')?.type, 'counter');
    if (format === 'openmetrics') assert.equal(f.get('leanredis_in_flight_peak_bytes')?.unit, 'bytes');
  }
});

test('a cluster client renders a pool per node (with its role) and the cluster counters; a sentinel client its master and replica-read pools and its own figures', () => {
  // Typed as the real stats of leanredis/cluster and leanredis/sentinel: a change there fails the typecheck here.
  const node = (role: 'master' | 'replica', inFlight: number): ClusterStats['nodes'][string] => ({ ...stats({ inFlight }), role });
  const cluster = {
    stats: (): ClusterStats => ({ nodes: { '10.0.0.1:7000': node('master', 3), '10.0.0.2:7001': node('replica', 4) }, total: stats(), refreshes: 5, moved: 6, asked: 7, retries: 8, slotsServed: 16384, masters: 3 }),
    toJSON: () => ({ roots: ['10.0.0.1:7000'], masters: [], open: true }),
  };
  const sentinel = {
    stats: (): SentinelClientStats => ({
      ...stats({ inFlight: 9 }),
      sentinel: { master: '10.0.1.1:6379', sentinels: 3, discoveries: 2, switches: 1, refusedReplicas: 4, watching: '10.0.1.9:26379', readFrom: 'replica', replicas: 2, replica: '10.0.1.2:6379', refusedMasters: 5 },
      replicaReads: stats({ inFlight: 10 }),
    }),
    toJSON: () => ({ address: '10.0.1.1:6379', database: 0 }),
  };
  for (const format of ['prometheus', 'openmetrics'] as const) {
    const text = prometheusText({ shop: cluster, jobs: sentinel, plain: fakeClient('127.0.0.1:6379') }, { openMetrics: format === 'openmetrics' });
    const f = parseExposition(text, format);
    const total = (name: string): string => (format === 'prometheus' ? `${name}_total` : name);
    const inFlight = f.get('leanredis_in_flight_commands')!.samples.map((s) => [s.labels.client, s.labels.address, s.value]);
    assert.deepEqual(inFlight, [
      ['shop', '10.0.0.1:7000', 3],
      ['shop', '10.0.0.2:7001', 4],
      ['jobs', '10.0.1.1:6379', 9],
      ['jobs', '10.0.1.2:6379', 10],
      ['plain', '127.0.0.1:6379', 7],
    ]);
    assert.deepEqual(f.get('leanredis_pool_info')!.samples.map((s) => [s.labels.client, s.labels.address, s.labels.role]), [
      ['shop', '10.0.0.1:7000', 'master'],
      ['shop', '10.0.0.2:7001', 'replica'],
      ['jobs', '10.0.1.1:6379', 'master'],
      ['jobs', '10.0.1.2:6379', 'replica'],
    ]);
    assert.equal(value(f, total('leanredis_cluster_slot_map_refreshes'), 'leanredis_cluster_slot_map_refreshes_total', { client: 'shop' }), 5);
    assert.equal(value(f, total('leanredis_cluster_redirections'), 'leanredis_cluster_redirections_total', { client: 'shop', type: 'moved' }), 6);
    assert.equal(value(f, total('leanredis_cluster_redirections'), 'leanredis_cluster_redirections_total', { client: 'shop', type: 'ask' }), 7);
    assert.equal(value(f, total('leanredis_cluster_retries'), 'leanredis_cluster_retries_total', { client: 'shop' }), 8);
    assert.equal(value(f, 'leanredis_cluster_slots_served', 'leanredis_cluster_slots_served', { client: 'shop' }), 16384);
    assert.equal(value(f, 'leanredis_cluster_masters', 'leanredis_cluster_masters', { client: 'shop' }), 3);
    assert.equal(value(f, 'leanredis_sentinel_sentinels', 'leanredis_sentinel_sentinels', { client: 'jobs' }), 3);
    assert.equal(value(f, 'leanredis_sentinel_replicas', 'leanredis_sentinel_replicas', { client: 'jobs' }), 2);
    assert.equal(value(f, total('leanredis_sentinel_discoveries'), 'leanredis_sentinel_discoveries_total', { client: 'jobs' }), 2);
    assert.equal(value(f, total('leanredis_sentinel_master_switches'), 'leanredis_sentinel_master_switches_total', { client: 'jobs' }), 1);
    assert.equal(value(f, total('leanredis_sentinel_refused_servers'), 'leanredis_sentinel_refused_servers_total', { client: 'jobs', reason: 'not_master' }), 4);
    assert.equal(value(f, total('leanredis_sentinel_refused_servers'), 'leanredis_sentinel_refused_servers_total', { client: 'jobs', reason: 'not_replica' }), 5);
    assert.equal(value(f, 'leanredis_sentinel_master_info', 'leanredis_sentinel_master_info', { client: 'jobs', address: '10.0.1.1:6379' }), 1);
    assert.ok(!f.get('leanredis_cluster_masters')!.samples.some((s) => 'address' in s.labels), 'topology series are per client, not per pool');
  }
});

test('an array of clients is labelled by position; no clients and no recorder render nothing (OpenMetrics: only # EOF)', () => {
  const prom = parseExposition(prometheusText([fakeClient('a:1'), fakeClient('b:2')]), 'prometheus');
  assert.deepEqual(prom.get('leanredis_pool_max_connections')?.samples.map((s) => s.labels.client), ['0', '1']);
  assert.equal(prometheusText([]), '');
  assert.equal(prometheusText(undefined, { openMetrics: true }), '# EOF\n');
});

test('command counts, errors by code and a histogram with sub-millisecond buckets, in seconds', () => {
  const m = recorder();
  for (const ms of [0.05, 0.2, 0.2, 0.7, 3, 20_000]) m.record('GET', ms);
  m.record('SET', 0.1);
  m.record('HGET', 0.3, new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'));
  m.record('HGET', 0.3, new Error('no code'));
  for (const [format, name] of [
    ['prometheus', 'leanredis_commands_total'],
    ['openmetrics', 'leanredis_commands'],
  ] as const) {
    const text = prometheusText(undefined, { commands: m, openMetrics: format === 'openmetrics' });
    const f = parseExposition(text, format);
    assert.equal(value(f, name, 'leanredis_commands_total', { command: 'GET' }), 6);
    const errors = format === 'prometheus' ? 'leanredis_command_errors_total' : 'leanredis_command_errors';
    assert.equal(value(f, errors, 'leanredis_command_errors_total', { command: 'HGET', code: 'WRONGTYPE' }), 1);
    assert.equal(value(f, errors, 'leanredis_command_errors_total', { command: 'HGET', code: 'UNKNOWN' }), 1);
    const h = 'leanredis_command_duration_seconds';
    assert.equal(f.get(h)?.type, 'histogram');
    assert.equal(value(f, h, `${h}_bucket`, { command: 'GET', le: '0.0001' }), 1, '0.05 ms is in the 0.1 ms bucket');
    assert.equal(value(f, h, `${h}_bucket`, { command: 'GET', le: '0.00025' }), 3);
    assert.equal(value(f, h, `${h}_bucket`, { command: 'GET', le: '0.001' }), 4);
    assert.equal(value(f, h, `${h}_bucket`, { command: 'GET', le: '10.0' }), 5, 'le is a float: 10.0');
    assert.equal(value(f, h, `${h}_bucket`, { command: 'GET', le: '+Inf' }), 6);
    assert.equal(value(f, h, `${h}_count`, { command: 'GET' }), 6);
    assert.ok(Math.abs(value(f, h, `${h}_sum`, { command: 'GET' })! - 20.00415) < 1e-9);
    assert.match(text, /^leanredis_command_duration_seconds_bucket\{command="SET",le="0\.0001"\} 1$/m);
  }
  assert.deepEqual(
    m.snapshot().map((r) => [r.command, r.count, r.errors]),
    [
      ['GET', 6, {}],
      ['HGET', 2, { WRONGTYPE: 1, UNKNOWN: 1 }],
      ['SET', 1, {}],
    ],
  );
});

test('label values are escaped (backslash, quote, newline) and HELP per format; constant labels on every series', () => {
  const m = recorder();
  m.record('we\\ird "cmd"\nname', 1);
  const clients = { 'a"b\\c\nd': fakeClient('/tmp/re"dis\\.sock') };
  for (const format of ['prometheus', 'openmetrics'] as const) {
    const text = prometheusText(clients, { commands: m, openMetrics: format === 'openmetrics', labels: { service: 'check"out', region: 'eu' } });
    assert.ok(text.includes('command="we\\\\ird \\"cmd\\"\\nname"'), 'command label escaped');
    const f = parseExposition(text, format);
    const sample = f.get('leanredis_pool_max_connections')!.samples[0];
    assert.deepEqual(sample.labels, { service: 'check"out', region: 'eu', client: 'a"b\\c\nd', address: '/tmp/re"dis\\.sock' });
    const duration = f.get('leanredis_command_duration_seconds')!.samples[0];
    assert.equal(duration.labels.command, 'we\\ird "cmd"\nname');
    assert.equal(duration.labels.service, 'check"out');
    for (const family of f.values()) for (const s of family.samples) assert.equal(s.labels.region, 'eu', `${s.name} has the constant label`);
  }
});

test('the memory watch gauges render from its latest sample', () => {
  const sample = {
    at: 0, heapUsed: 10, heapTotal: 20, external: 5, arrayBuffers: 2, rss: 100, gap: 75, resources: { TCPSocketWrap: 3, Timeout: 2 },
    eventLoopDelay: { meanMs: 1, p50Ms: 1, p99Ms: 12, maxMs: 40 }, cpuPercent: 25, clients: [],
  };
  const watch = { lastSample: sample } as unknown as MemoryWatch;
  for (const format of ['prometheus', 'openmetrics'] as const) {
    const f = parseExposition(prometheusText(undefined, { watch, openMetrics: format === 'openmetrics' }), format);
    assert.equal(value(f, 'leanredis_process_memory_bytes', 'leanredis_process_memory_bytes', { area: 'gap' }), 75);
    assert.equal(value(f, 'leanredis_process_active_resources', 'leanredis_process_active_resources', { type: 'TCPSocketWrap' }), 3);
    assert.equal(value(f, 'leanredis_event_loop_delay_seconds', 'leanredis_event_loop_delay_seconds', { stat: 'p99' }), 0.012);
    assert.equal(value(f, 'leanredis_process_cpu_ratio', 'leanredis_process_cpu_ratio', {}), 0.25);
  }
});

test('cardinality is capped: command names past maxCommands and codes past maxErrorCodes count as OTHER', () => {
  const m = createCommandMetrics({ maxCommands: 2, maxErrorCodes: 1 });
  m.stop();
  for (const name of ['A', 'B', 'C', 'D']) m.record(name, 1, Object.assign(new Error('x'), { code: `E_${name}` }));
  m.record('A', 1, Object.assign(new Error('x'), { code: 'E_OTHER_CODE' }));
  assert.deepEqual(
    m.snapshot().map((r) => [r.command, r.count, r.errors]),
    [
      ['A', 2, { E_A: 1, OTHER: 1 }],
      ['B', 1, { E_B: 1 }],
      ['OTHER', 2, { E_C: 1, OTHER: 1 }],
    ],
  );
});

test('options are checked: unknown keys, bad buckets, namespace, labels and content types', () => {
  const invalid = (fn: () => unknown, pattern: RegExp): void => {
    assert.throws(fn, (err: unknown) => err instanceof ArgumentError && err.code === 'ERR_INVALID_OPTION' && pattern.test(err.message));
  };
  invalid(() => prometheusText([], { openMetric: true } as never), /unknown option "openMetric"/);
  invalid(() => prometheusText([], { namespace: '1bad' }), /namespace/);
  invalid(() => prometheusText([], { labels: { le: 'x' } }), /"le" is not a valid label name or is one leanredis sets/);
  invalid(() => prometheusText([], { labels: { __x: 'x' } }), /"__x"/);
  invalid(() => prometheusText([], { labels: { ok: 1 as never } }), /must be a string/);
  invalid(() => prometheusText([], { commands: {} as never }), /createCommandMetrics/);
  invalid(() => prometheusText([{}] as never), /clients\["0"\] is not a leanredis client/);
  invalid(() => createCommandMetrics({ bucketsMs: [1, 1] }), /ascending/);
  invalid(() => createCommandMetrics({ buckets: [1] } as never), /unknown option "buckets"/);
  assert.equal(prometheusContentType(), 'text/plain; version=0.0.4; charset=utf-8');
  assert.equal(prometheusContentType(true), 'application/openmetrics-text; version=1.0.0; charset=utf-8');
  const f = parseExposition(prometheusText([fakeClient('x:1')], { namespace: 'app_redis' }), 'prometheus');
  assert.ok(f.has('app_redis_pool_connections'));
});

test('the test parser refuses what the specs forbid (so its acceptance means something)', () => {
  const bad: [string, 'prometheus' | 'openmetrics', RegExp][] = [
    ['# TYPE a gauge\na 1', 'prometheus', /newline/],
    ['# TYPE a gauge\na 1\n', 'openmetrics', /EOF/],
    ['# TYPE a gauge\na{x="\\t"} 1\n', 'prometheus', /bad escape/],
    ['# TYPE a gauge\na{x="1",x="2"} 1\n', 'prometheus', /duplicate label/],
    ['# TYPE a gauge\na 1\na 2\n', 'prometheus', /duplicate series/],
    ['# TYPE a gauge\n# TYPE b gauge\na 1\n', 'prometheus', /outside its family/],
    ['# TYPE a gauge\na one\n', 'prometheus', /bad number/],
    ['# TYPE a counter\na 1\n# EOF\n', 'openmetrics', /no declared family/],
    ['# TYPE a_total counter\na_total -1\n', 'prometheus', /negative/],
    ['# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', 'prometheus', /not cumulative/],
    ['# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', 'prometheus', /\+Inf/],
    ['# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n', 'prometheus', /_count 1 != \+Inf bucket 2/],
    ['# TYPE a gauge\n# UNIT a bytes\na 1\n# EOF\n', 'openmetrics', /end with its unit/],
    ['# EOF\n# TYPE a gauge\n', 'openmetrics', /last line/],
  ];
  for (const [text, format, pattern] of bad) assert.throws(() => parseExposition(text, format), pattern, text);
});

test('pipelines and transactions: counts and errors by mode, a batch-size histogram and a duration histogram, in both formats', () => {
  const m = recorder();
  m.recordBatch('PIPELINE', 3, 0.4);
  m.recordBatch('PIPELINE', 120, 2);
  m.recordBatch('PIPELINE', 1, 0.05, Object.assign(new Error('lost'), { code: 'ERR_CONNECTION_LOST_AFTER_WRITE' }));
  m.recordBatch('MULTI', 2, 0.3, new ReplyError('EXECABORT Transaction discarded because of previous errors.'));
  for (const format of ['prometheus', 'openmetrics'] as const) {
    const f = parseExposition(prometheusText(undefined, { commands: m, openMetrics: format === 'openmetrics' }), format);
    const total = (name: string): string => (format === 'prometheus' ? `${name}_total` : name);
    assert.equal(value(f, total('leanredis_batches'), 'leanredis_batches_total', { mode: 'PIPELINE' }), 3);
    assert.equal(value(f, total('leanredis_batches'), 'leanredis_batches_total', { mode: 'MULTI' }), 1);
    assert.equal(value(f, total('leanredis_batch_errors'), 'leanredis_batch_errors_total', { mode: 'MULTI', code: 'EXECABORT' }), 1);
    assert.equal(value(f, total('leanredis_batch_errors'), 'leanredis_batch_errors_total', { mode: 'PIPELINE', code: 'ERR_CONNECTION_LOST_AFTER_WRITE' }), 1);
    const size = 'leanredis_batch_size';
    assert.equal(f.get(size)?.type, 'histogram');
    assert.equal(value(f, size, `${size}_bucket`, { mode: 'PIPELINE', le: '1.0' }), 1);
    assert.equal(value(f, size, `${size}_bucket`, { mode: 'PIPELINE', le: '5.0' }), 2);
    assert.equal(value(f, size, `${size}_bucket`, { mode: 'PIPELINE', le: '100.0' }), 2);
    assert.equal(value(f, size, `${size}_bucket`, { mode: 'PIPELINE', le: '250.0' }), 3);
    assert.equal(value(f, size, `${size}_sum`, { mode: 'PIPELINE' }), 124, 'commands in them');
    assert.equal(value(f, size, `${size}_count`, { mode: 'PIPELINE' }), 3);
    const duration = 'leanredis_batch_duration_seconds';
    assert.equal(value(f, duration, `${duration}_bucket`, { mode: 'PIPELINE', le: '0.0005' }), 2);
    assert.equal(value(f, duration, `${duration}_count`, { mode: 'MULTI' }), 1);
    if (format === 'openmetrics') assert.equal(f.get(duration)?.unit, 'seconds');
  }
  assert.deepEqual(
    m.batchSnapshot().map((b) => [b.mode, b.count, b.commands, b.errors]),
    [
      ['MULTI', 1, 2, { EXECABORT: 1 }],
      ['PIPELINE', 3, 124, { ERR_CONNECTION_LOST_AFTER_WRITE: 1 }],
    ],
  );
  m.reset();
  assert.deepEqual(m.batchSnapshot(), []);
});
