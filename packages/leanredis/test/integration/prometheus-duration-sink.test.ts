/**
 * createCommandMetrics() as a recorder of the core's duration sink (src/internal/duration-sink.ts):
 * the clients add their commands to it themselves instead of being observed through the
 * `leanredis:command` channels. Against a real server, the same mixed workload (successes,
 * WRONGTYPE, a per-call timeout, an argument error, a closed client, eval's NOSCRIPT fallback,
 * pipelines and transactions, failing ones too, a lease with SELECT, watch(), blocking
 * commands, pub/sub) gives the same Prometheus series (names and labels) and the same counts as
 * the channel-based recorder it was before (a CommandMetrics fed from `leanredis:command:end`
 * and `leanredis:batch`, as its start() subscribed it), whether or not something else observes
 * commands; beside an OpenTelemetry producer and a second registry each counts every command
 * once; stop() frees the slot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channel, subscribe, unsubscribe } from 'node:diagnostics_channel';
import { MeterProvider, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { CommandMetrics, createCommandMetrics, prometheusText } from '../../src/diagnostics/index.ts';
import { DEFAULT_BUCKETS_MS } from '../../src/diagnostics/command-metrics.ts';
import { createDurationProducer, instrument, type DurationProducer } from '../../src/otel/index.ts';
import type { BatchContext, Client, CommandContext } from '../../src/index.ts';
import { parseExposition } from '../helpers/exposition-parser.ts';
import { TestReader } from '../helpers/otel-reader.ts';
import { useRedisServer } from '../helpers/setup.ts';
import { closedClientCommand, failingBatches, workload } from '../helpers/sink-workload.ts';

const redis = useRedisServer();

interface Slot {
  sink: unknown;
  sinks: readonly unknown[];
}
const slot = (): Slot => (globalThis as unknown as Record<symbol, Slot>)[Symbol.for('leanredis.durationSink')];

/** What createCommandMetrics() was before the sink: a CommandMetrics fed by the channels, with start()'s listeners. */
function channelRecorder(): { metrics: CommandMetrics; stop: () => void } {
  const metrics = new CommandMetrics(DEFAULT_BUCKETS_MS, 1000, 32);
  const onCommand = (m: unknown): void => {
    const c = m as CommandContext;
    metrics.record(c.command, c.durationMs, c.error);
  };
  const onBatch = (m: unknown): void => {
    const b = m as BatchContext;
    metrics.recordBatch(b.batchMode, b.batchSize, b.durationMs, b.error);
  };
  subscribe('leanredis:command:end', onCommand);
  subscribe('tracing:leanredis:batch:asyncEnd', onBatch);
  return {
    metrics,
    stop: () => {
      unsubscribe('leanredis:command:end', onCommand);
      unsubscribe('tracing:leanredis:batch:asyncEnd', onBatch);
    },
  };
}

/** Whether anything observes commands or batches through the channels. */
function isObserved(): boolean {
  return ['leanredis:command:end', 'tracing:leanredis:command:start', 'tracing:leanredis:command:asyncEnd', 'tracing:leanredis:batch:start', 'tracing:leanredis:batch:asyncEnd'].some((name) => channel(name).hasSubscribers);
}

/** Every sample of the exposition, by `name{labels}`. */
function samplesOf(metrics: CommandMetrics): Map<string, number> {
  const out = new Map<string, number>();
  for (const family of parseExposition(prometheusText(undefined, { commands: metrics }), 'prometheus').values()) {
    for (const s of family.samples) out.set(`${s.name}{${Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`, s.value);
  }
  return out;
}

/**
 * The same series and, sample by sample, the same value: counts, error counts, batch sizes and
 * the +Inf buckets exactly; durations (sums, finite buckets) differ run to run, so a sum is
 * only close (the blocking commands dominate it, bounded by their block times) and a finite
 * bucket at most its +Inf bucket. `sameRun`: the two recorders saw the same commands at once,
 * so sums differ by microseconds (a command of a batch is recorded with the batch's duration,
 * the channel gives it its own, read a moment earlier in the same callback; so a finite bucket
 * may still differ by one when the two straddle its bound).
 */
function assertSameSamples(actual: Map<string, number>, expected: Map<string, number>, label: string, sameRun = false): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), `${label}: the same series`);
  for (const [key, e] of expected) {
    const a = actual.get(key)!;
    const name = key.slice(0, key.indexOf('{'));
    if (name.endsWith('_sum') && name !== 'leanredis_batch_size_sum') {
      assert.ok(Math.abs(a - e) < (sameRun ? 0.001 : 0.5 + e), `${label}: ${key}: ${a} against ${e}`);
    } else if (name.endsWith('duration_seconds_bucket') && !key.includes('le="+Inf"')) {
      assert.ok(a <= actual.get(key.replace(/le="[^"]+"/, 'le="+Inf"'))!, `${label}: ${key} within its +Inf bucket`);
    } else {
      assert.equal(a, e, `${label}: ${key}`);
    }
  }
}

/** The workload, the failing batches, and a closed client's command and pipeline. */
async function everyPath(client: Client, n: number): Promise<void> {
  await workload(client, n);
  await failingBatches(client);
  await closedClientCommand(client);
  await assert.rejects(client.pipeline().get('k').exec(), { code: 'ERR_CLIENT_CLOSED' });
}

async function viaChannels(n: number): Promise<Map<string, number>> {
  const recorder = channelRecorder();
  try {
    await everyPath(redis.client(), n);
  } finally {
    recorder.stop();
  }
  return samplesOf(recorder.metrics);
}

async function viaSink(n: number): Promise<Map<string, number>> {
  assert.equal(slot().sink, undefined, 'the slot is free');
  using metrics = createCommandMetrics();
  assert.equal(isObserved(), false, 'nothing observes commands or batches: the clients time them');
  await everyPath(redis.client(), n);
  metrics.stop();
  assert.equal(slot().sink, undefined, 'stop() frees the slot');
  return samplesOf(metrics);
}

test('through the sink, createCommandMetrics renders the series and counts the channel-based recorder rendered, for every send path', async () => {
  const channels = await viaChannels(1);
  const sink = await viaSink(2);
  const has = (key: string): void => assert.ok(channels.has(key), `the workload covers ${key} (series: ${[...channels.keys()].join(' ')})`);
  for (const command of ['GET', 'SET', 'INCR', 'LPUSH', 'RPUSH', 'BLPOP', 'EVALSHA', 'EVAL', 'SELECT', 'WATCH', 'SUBSCRIBE', 'UNSUBSCRIBE']) has(`leanredis_commands_total{command="${command}"}`);
  for (const [command, code] of [['LPUSH', 'WRONGTYPE'], ['GET', 'ERR_INVALID_ARGUMENT'], ['BLPOP', 'ERR_COMMAND_TIMEOUT'], ['GET', 'ERR_CLIENT_CLOSED'], ['GET', 'EXECABORT'], ['GET', 'ERR']]) {
    has(`leanredis_command_errors_total{command="${command}",code="${code}"}`);
  }
  for (const [mode, code] of [['PIPELINE', 'WRONGTYPE'], ['PIPELINE', 'ERR_CLIENT_CLOSED'], ['MULTI', 'EXECABORT']]) has(`leanredis_batch_errors_total{mode="${mode}",code="${code}"}`);
  assert.equal(channels.get('leanredis_command_errors_total{command="LPUSH",code="WRONGTYPE"}'), 3, 'client, lease and pipeline');
  assertSameSamples(sink, channels, 'sink against channels');
});

test('while something else observes commands, the sink is fed by the observed path: what the channels carry, once', async () => {
  const recorder = channelRecorder();
  let sink: Map<string, number>;
  try {
    using metrics = createCommandMetrics();
    assert.equal(isObserved(), true);
    await everyPath(redis.client(), 3);
    sink = samplesOf(metrics);
  } finally {
    recorder.stop();
  }
  assertSameSamples(sink, samplesOf(recorder.metrics), 'observed: sink against channels', true);
  assert.equal(slot().sink, undefined, 'the slot is free');
});

/** db.client.operation.duration's count per operation name, summed over the other attributes. */
async function otelCounts(durations: DurationProducer): Promise<Map<string, number>> {
  const reader = new TestReader({ metricProducers: [durations] });
  const provider = new MeterProvider({ readers: [reader] });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const out = new Map<string, number>();
  for (const metric of resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)) {
    for (const p of (metric as HistogramMetricData).dataPoints) {
      const op = String(p.attributes['db.operation.name']);
      out.set(op, (out.get(op) ?? 0) + (p.value as { count: number }).count);
    }
  }
  return out;
}

test('beside an OpenTelemetry producer and a second registry, each counts every command once; stopping each frees its place', async () => {
  const channels = await viaChannels(4);
  const first = createCommandMetrics();
  const durations = createDurationProducer();
  const otel = instrument({ meterProvider: new MeterProvider(), traces: false, durationProducer: durations });
  const second = createCommandMetrics();
  assert.equal(slot().sinks.length, 3);
  assert.ok(isObserved(), 'instrument() observes batches (their durations, from leanredis:batch)');
  assert.equal(channel('leanredis:command:end').hasSubscribers, false, 'no command is observed: each is timed and fanned out');
  await everyPath(redis.client(), 5);
  second.stop();
  assert.equal(slot().sinks.length, 2);
  otel.stop();
  assert.equal(slot().sinks.length, 1);
  assert.equal(slot().sink, slot().sinks[0], 'one recorder left: the slot holds it, no fan-out');
  first.stop();
  assert.equal(slot().sink, undefined, 'the slot is free');
  assert.deepEqual(slot().sinks, []);
  const one = samplesOf(first);
  assertSameSamples(one, channels, 'first registry against channels');
  assertSameSamples(samplesOf(second), channels, 'second registry against channels');
  // OpenTelemetry counts each command once too: a batch as one operation, its commands not at all.
  const ops = await otelCounts(durations);
  const sum = (prefix: string, m: Map<string, number>): number => [...m].filter(([k]) => k.startsWith(prefix)).reduce((t, [, v]) => t + v, 0);
  const batches = [...ops].filter(([op]) => op.startsWith('PIPELINE') || op.startsWith('MULTI')).reduce((t, [, v]) => t + v, 0);
  assert.equal(batches, sum('leanredis_batches_total', one));
  assert.equal(sum('', ops) - batches, sum('leanredis_commands_total', one) - sum('leanredis_batch_size_sum', one), 'every command outside a batch, once');
});
