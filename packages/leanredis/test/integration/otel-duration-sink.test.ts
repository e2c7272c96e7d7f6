/**
 * instrument({ durationProducer }) as the core's duration sink (src/internal/duration-sink.ts):
 * the clients add their commands' durations to the producer themselves, without observing each
 * command through the channels. Against a real server, the same mixed workload (successes,
 * server errors, a timeout, an argument error, a closed client, eval's NOSCRIPT fallback,
 * pipelines, MULTI, a lease, watch(), blocking commands, pub/sub) gives the same series (keys
 * and counts; sums close) as the channel-based recorder, with spans on or off, with no double
 * count; producers are installed side by side (each counts every command once), the same one
 * twice is refused, stop() frees the slot, and it holds no client.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { channel, subscribe, unsubscribe } from 'node:diagnostics_channel';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, type HistogramMetricData, type Histogram } from '@opentelemetry/sdk-metrics';
import { TestReader } from '../helpers/otel-reader.ts';
import { instrument, createDurationProducer, type DurationProducer } from '../../src/otel/index.ts';
import { batchOperation } from '../../src/otel/semconv.ts';
import { useRedisServer } from '../helpers/setup.ts';
import { closedClientCommand, workload } from '../helpers/sink-workload.ts';
import { ArgumentError, type BatchContext, type CommandContext } from '../../src/index.ts';

const redis = useRedisServer();

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
after(() => tracerProvider.shutdown());

interface Slot {
  sink: unknown;
  sinks: readonly unknown[];
}
const slot = (): Slot => (globalThis as unknown as Record<symbol, Slot>)[Symbol.for('leanredis.durationSink')];

/**
 * The recorder before the sink, as instrument() was (a producer fed from the channels): each
 * command that is not part of a batch from `leanredis:command:end`, each batch from
 * `leanredis:batch`'s asyncEnd. Returns the function that unsubscribes it.
 */
function recordFromChannels(durations: DurationProducer): () => void {
  const onCommand = (m: unknown): void => {
    const c = m as CommandContext;
    if (c.batch === undefined) durations.record(c, c.command, c.durationMs, c.error);
  };
  const onBatch = (m: unknown): void => {
    const b = m as BatchContext;
    durations.record(b, batchOperation(b), b.durationMs, b.error);
  };
  subscribe('leanredis:command:end', onCommand);
  subscribe('tracing:leanredis:batch:asyncEnd', onBatch);
  return () => {
    unsubscribe('leanredis:command:end', onCommand);
    unsubscribe('tracing:leanredis:batch:asyncEnd', onBatch);
  };
}

type Series = Map<string, { count: number; sum: number; buckets: number }>;

async function seriesOf(durations: DurationProducer): Promise<Series> {
  const reader = new TestReader({ metricProducers: [durations] });
  const provider = new MeterProvider({ readers: [reader] });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const out: Series = new Map();
  for (const metric of resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)) {
    if (metric.descriptor.name !== 'db.client.operation.duration') continue;
    for (const p of (metric as HistogramMetricData).dataPoints) {
      const v = p.value as Histogram;
      const key = JSON.stringify(Object.entries(p.attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
      out.set(key, { count: v.count, sum: v.sum ?? 0, buckets: v.buckets.counts.reduce((a, b) => a + b, 0) });
    }
  }
  return out;
}

async function run(options: { spans: boolean; viaChannels: boolean }, n: number): Promise<Series> {
  const durations = createDurationProducer();
  assert.equal(slot().sink, undefined, 'the slot is free');
  const release = options.viaChannels ? recordFromChannels(durations) : () => {};
  try {
    const otel = instrument({
      meterProvider: new MeterProvider(),
      // Through the channels, the instrumentation makes the spans only (its durations go to the Meter API).
      ...(options.viaChannels ? {} : { durationProducer: durations }),
      traces: options.spans,
      ...(options.spans ? { tracerProvider } : {}),
    });
    try {
      // Metrics only as the sink: nothing observes commands, the clients time them themselves.
      assert.equal(channel('leanredis:command:end').hasSubscribers, options.spans || options.viaChannels);
      const client = redis.client();
      await workload(client, n);
      await closedClientCommand(client);
    } finally {
      otel.stop();
    }
  } finally {
    release();
  }
  return seriesOf(durations);
}

function assertSameSeries(actual: Series, expected: Series, label: string): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), `${label}: the same series`);
  for (const [key, e] of expected) {
    const a = actual.get(key)!;
    assert.equal(a.count, e.count, `${label}: count of ${key}`);
    assert.equal(a.buckets, a.count, `${label}: bucket counts add up to the count for ${key}`);
    // Durations differ run to run; the blocking ones dominate the sums and are bounded by their block times.
    assert.ok(Math.abs(a.sum - e.sum) < 0.5 + e.sum, `${label}: sum of ${key}: ${a.sum} against ${e.sum}`);
  }
}

test('the sink records the series the channel-based recorder records, for every send path', async () => {
  const channels = await run({ spans: false, viaChannels: true }, 1);
  const sink = await run({ spans: false, viaChannels: false }, 2);
  const ops = (s: Series) => new Set([...s.keys()].map((k) => (JSON.parse(k) as [string, unknown][]).find(([name]) => name === 'db.operation.name')![1]));
  for (const op of ['GET', 'SET', 'INCR', 'LPUSH', 'BLPOP', 'EVALSHA', 'EVAL', 'PIPELINE', 'PIPELINE GET', 'MULTI GET', 'MULTI SET', 'SELECT', 'WATCH', 'SUBSCRIBE', 'UNSUBSCRIBE']) {
    assert.ok(ops(channels).has(op), `the workload covers ${op} (series: ${[...ops(channels)].join(', ')})`);
  }
  assertSameSeries(sink, channels, 'sink against channels');
  const failed = [...sink.keys()].map((k) => Object.fromEntries(JSON.parse(k) as [string, unknown][])).filter((a) => a['error.type'] !== undefined);
  const types = failed.map((a) => `${a['db.operation.name']} ${a['error.type']} ${a['db.response.status_code'] ?? '-'}`).sort();
  assert.deepEqual(types, ['BLPOP ERR_COMMAND_TIMEOUT -', 'GET ERR_CLIENT_CLOSED -', 'GET ERR_INVALID_ARGUMENT -', 'LPUSH WRONGTYPE WRONGTYPE']);
});

test('with spans on, durations come from the sink once (fed by the observed path), the spans from the channels', async () => {
  const channels = await run({ spans: true, viaChannels: true }, 3);
  exporter.reset();
  const sink = await run({ spans: true, viaChannels: false }, 4);
  assert.ok(exporter.getFinishedSpans().some((s) => s.name === 'BLPOP'), 'spans are still made');
  assertSameSeries(sink, channels, 'spans on: sink against channels');
  const plain = await run({ spans: false, viaChannels: false }, 5);
  assertSameSeries(sink, plain, 'spans on against spans off');
});

test('while another subscriber observes commands, the sink is fed by the observed path alone: no double count', async () => {
  const durations = createDurationProducer();
  const ends: unknown[] = [];
  const onEnd = (m: unknown): void => void ends.push(m);
  subscribe('leanredis:command:end', onEnd);
  try {
    using _otel = instrument({ meterProvider: new MeterProvider(), traces: false, durationProducer: durations });
    await using client = redis.client();
    for (let i = 0; i < 7; i++) await client.get('k');
  } finally {
    unsubscribe('leanredis:command:end', onEnd);
  }
  const series = await seriesOf(durations);
  const [get] = [...series.entries()].filter(([k]) => k.includes('"GET"'));
  assert.equal(get[1].count, 7);
  assert.ok(ends.length >= 7);
});

test('producers are installed side by side, each counts every command once; the same producer twice is refused; stop() frees the slot', async () => {
  const first = createDurationProducer();
  const second = createDurationProducer();
  const a = instrument({ meterProvider: new MeterProvider(), traces: false, durationProducer: first });
  assert.equal(slot().sink, first, 'one recorder: the slot holds it, no fan-out');
  // Before, a second instrument() with the same producer installed nothing and recorded every
  // command from the channels too: each command counted twice.
  assert.throws(() => instrument({ meterProvider: new MeterProvider(), traces: false, durationProducer: first }), (err: unknown) => {
    assert.ok(err instanceof ArgumentError);
    assert.equal(err.code, 'ERR_INVALID_OPTION');
    assert.match(err.message, /"durationProducer" is installed by a running instrumentation already/);
    return true;
  });
  assert.equal(channel('leanredis:command:end').hasSubscribers, false, 'the refused one subscribed nothing');
  const b = instrument({ meterProvider: new MeterProvider(), traces: false, durationProducer: second });
  assert.deepEqual(slot().sinks, [first, second], 'both installed');
  assert.equal(channel('leanredis:command:end').hasSubscribers, false, 'still nothing observes commands');
  {
    await using client = redis.client();
    for (let i = 0; i < 3; i++) await client.get('k');
    await client.pipeline().get('k').get('k').exec();
  }
  b.stop();
  assert.equal(slot().sink, first, 'stopping the second leaves the first alone in the slot');
  a.stop();
  assert.equal(slot().sink, undefined, 'stopping the first frees the slot');
  assert.deepEqual(slot().sinks, []);
  for (const durations of [first, second]) {
    const series = await seriesOf(durations);
    const count = (op: string) => [...series.entries()].find(([k]) => k.includes(`"${op}"`))?.[1].count;
    assert.equal(count('GET'), 3);
    assert.equal(count('PIPELINE GET'), 1);
  }
  using c = instrument({ meterProvider: new MeterProvider(), traces: false, durationProducer: first });
  assert.equal(slot().sink, first, 'a stopped instrumentation\'s producer may be installed again');
  assert.ok(c.isActive);
});

test('the sink holds no client: a closed client that recorded durations is collected', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const durations = createDurationProducer();
  using _otel = instrument({ meterProvider: new MeterProvider(), traces: false, durationProducer: durations });
  let ref: WeakRef<object> | undefined;
  await (async () => {
    const client = redis.client();
    await client.get('k');
    await client.close();
    ref = new WeakRef(client);
  })();
  for (let i = 0; i < 10 && ref!.deref() !== undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
  }
  assert.equal(ref!.deref(), undefined, 'collected');
  const [get] = [...(await seriesOf(durations)).entries()].filter(([k]) => k.includes('"GET"'));
  assert.equal(get[1].count, 1, 'its points stay (cumulative)');
});
