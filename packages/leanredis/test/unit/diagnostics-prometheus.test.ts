/**
 * prometheusText and createCommandMetrics without a server: fake clients (stats() and toJSON()),
 * outcomes recorded directly. The output is read back with a strict parser written from the
 * specs (test/helpers/exposition-parser.ts) in both formats; the parser itself is checked to
 * refuse what the specs forbid. promtool's verdict is in test/integration/diagnostics-prometheus.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, ReplyError, type ClientStats } from '../../src/index.ts';
import { prometheusText, prometheusContentType, createCommandMetrics, CommandMetrics, type MemoryWatch } from '../../src/diagnostics/index.ts';
import { parseExposition, type ParsedFamily } from '../helpers/exposition-parser.ts';

function stats(overrides: Partial<ClientStats> = {}): ClientStats {
  return {
    hits: 1, misses: 2, timeouts: 0, waitCount: 3, waitDurationMs: 1500, totalConns: 4, idleConns: 1, staleConns: 0, pendingRequests: 2, sharedConns: 1, leased: 1,
    dialling: 1, closing: 0, inFlight: 7, inFlightBytes: 700, inFlightPeak: 9, inFlightBytesPeak: 900, writeBufferedBytes: 0,
    rejected: { queuedCommands: 0, queuedBytes: 1, inFlightCommands: 0, inFlightBytes: 0 }, writeHolds: { socket: 2, inFlightCommands: 0, inFlightBytes: 0 },
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
