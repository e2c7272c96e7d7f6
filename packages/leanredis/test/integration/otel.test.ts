/**
 * leanredis/otel against a real server, read back with the OpenTelemetry SDK's in-memory span
 * exporter and a metric reader collected on demand: span names and attributes of the stable
 * database conventions, the caller's span as parent, batches as one span, errors, query text
 * only when opted in (values redacted by observeArguments), the operation-duration histogram
 * with sub-millisecond buckets and the connection-pool instruments, connect spans and the
 * connection create time; options refused by name.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, type HistogramMetricData, type MetricData, type Histogram } from '@opentelemetry/sdk-metrics';
import { TestReader } from '../helpers/otel-reader.ts';
import { ArgumentError } from '../../src/index.ts';
import { instrument, createDurationProducer } from '../../src/otel/index.ts';
import { useRedisServer } from '../helpers/setup.ts';
import { freePort } from '../helpers/redis-server.ts';
import { waitFor } from '../helpers/wait.ts';

const redis = useRedisServer();

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

before(() => {
  context.setGlobalContextManager(contextManager.enable());
});
after(() => {
  context.disable();
});

function meter(metricProducers?: ConstructorParameters<typeof TestReader>[0] extends infer O ? (O extends { metricProducers?: infer P } ? P : never) : never): { meterProvider: MeterProvider; collect: () => Promise<MetricData[]> } {
  const reader = new TestReader(metricProducers === undefined ? undefined : { metricProducers });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    meterProvider,
    async collect() {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    },
  };
}

function spansNamed(name: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.name === name);
}

test('a command is a CLIENT span named after it, with the stable database attributes, child of the caller span', async () => {
  exporter.reset();
  using _otel = instrument({ tracerProvider, metrics: false });
  await using client = redis.client({ database: 3 });
  const parent = tracerProvider.getTracer('app').startSpan('handler');
  await context.with(trace.setSpan(context.active(), parent), async () => {
    await client.set('user:1', 'secret-value');
    await client.get('user:1');
  });
  parent.end();
  const [get] = spansNamed('GET');
  assert.ok(get, `spans: ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
  assert.equal(get.kind, 2, 'SpanKind.CLIENT');
  assert.equal(get.parentSpanContext?.spanId, parent.spanContext().spanId, 'the caller span is the parent');
  assert.deepEqual(get.attributes, {
    'db.system.name': 'redis',
    'db.operation.name': 'GET',
    'db.namespace': '3',
    'server.address': '127.0.0.1',
    'server.port': redis.port,
  });
  assert.equal(get.status.code, 0, 'UNSET on success');
  const text = JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes));
  assert.ok(!text.includes('secret-value') && !text.includes('user:1'), 'no key or value without opting in');
});

test('a failed command: status ERROR, error.type and db.response.status_code from the server prefix', async () => {
  exporter.reset();
  using _otel = instrument({ tracerProvider, metrics: false });
  await using client = redis.client();
  await client.set('str', 'x');
  await assert.rejects(client.lPush('str', 'a'), { code: 'WRONGTYPE' });
  const [span] = spansNamed('LPUSH');
  assert.equal(span.status.code, 2, 'ERROR');
  assert.equal(span.status.message, 'WRONGTYPE', 'the code only, never the server message');
  assert.equal(span.attributes['error.type'], 'WRONGTYPE');
  assert.equal(span.attributes['db.response.status_code'], 'WRONGTYPE');
  assert.throws(() => client.get(undefined as never), ArgumentError);
  const [thrown] = spansNamed('GET');
  assert.equal(thrown.attributes['error.type'], 'ERR_INVALID_ARGUMENT', 'a synchronous argument error ends its span too');
  assert.equal(thrown.attributes['db.response.status_code'], undefined, 'not a server answer');
});

test('a pipeline is one span (PIPELINE, db.operation.batch.size), a transaction MULTI; their commands are not spans', async () => {
  exporter.reset();
  using _otel = instrument({ tracerProvider, metrics: false, connectSpans: false });
  await using client = redis.client();
  await client.pipeline().set('a', '1').get('a').incr('n').exec();
  await client.multi().get('a').get('a').exec();
  assert.deepEqual(
    exporter.getFinishedSpans().map((s) => s.name),
    ['PIPELINE', 'MULTI GET'],
  );
  const [pipeline] = spansNamed('PIPELINE');
  assert.equal(pipeline.attributes['db.operation.name'], 'PIPELINE');
  assert.equal(pipeline.attributes['db.operation.batch.size'], 3);
  const [multi] = spansNamed('MULTI GET');
  assert.equal(multi.attributes['db.operation.name'], 'MULTI GET', 'a homogeneous batch names its command');
  assert.equal(multi.attributes['db.operation.batch.size'], 2);
});

test('db.query.text only with queryText, from the sanitized arguments: values redacted', async () => {
  exporter.reset();
  {
    using _otel = instrument({ tracerProvider, metrics: false, queryText: true });
    await using observed = redis.client({ observeArguments: true });
    await observed.set('k', 'secret');
    await observed.pipeline().get('k').hSet('h', { f: 'secret' }).exec();
    await using keysOnly = redis.client({ observeArguments: (_command, args) => [String(args[0]), ...args.slice(1).map(() => '?')] });
    await keysOnly.set('visible-key', 'secret');
    await using plain = redis.client();
    await plain.get('k');
  }
  const [set, keys] = spansNamed('SET');
  assert.equal(set.attributes['db.query.text'], 'SET ? ?');
  assert.equal(keys.attributes['db.query.text'], 'SET visible-key ?');
  assert.equal(spansNamed('PIPELINE')[0].attributes['db.query.text'], 'GET ?; HSET ? ? ?');
  assert.equal(spansNamed('GET')[0].attributes['db.query.text'], undefined, 'a client that does not observe arguments gives no text');
  assert.ok(!JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes)).includes('secret'));
  exporter.reset();
  using _off = instrument({ tracerProvider, metrics: false });
  await using observed = redis.client({ observeArguments: true });
  await observed.get('k');
  assert.equal(spansNamed('GET')[0].attributes['db.query.text'], undefined, 'off by default');
});

test('db.client.operation.duration: seconds, sub-millisecond buckets, by operation; errors carry error.type', async () => {
  const m = meter();
  using _otel = instrument({ meterProvider: m.meterProvider, traces: false });
  await using client = redis.client();
  for (let i = 0; i < 5; i++) await client.get('x');
  await client.set('s', 'v');
  await assert.rejects(client.lPush('s', 'a'), { code: 'WRONGTYPE' });
  await client.pipeline().get('x').get('x').exec();
  const metrics = await m.collect();
  const duration = metrics.find((d) => d.descriptor.name === 'db.client.operation.duration') as HistogramMetricData;
  assert.ok(duration, `metrics: ${metrics.map((d) => d.descriptor.name).join(', ')}`);
  assert.equal(duration.descriptor.unit, 's');
  const point = (operation: string) => duration.dataPoints.find((p) => p.attributes['db.operation.name'] === operation);
  const get = point('GET')!;
  assert.equal((get.value as Histogram).count, 5);
  assert.deepEqual((get.value as Histogram).buckets.boundaries.slice(0, 4), [0.0001, 0.00025, 0.0005, 0.001], 'sub-millisecond buckets');
  assert.equal(get.attributes['db.system.name'], 'redis');
  assert.equal(get.attributes['server.port'], redis.port);
  const lpush = point('LPUSH')!;
  assert.equal(lpush.attributes['error.type'], 'WRONGTYPE');
  assert.equal(lpush.attributes['db.response.status_code'], 'WRONGTYPE');
  assert.equal((point('PIPELINE GET')!.value as Histogram).count, 1, 'a batch is one operation');
});

test('db.client.connection.count by state, .max and .pending_requests, for given and newly created clients', async () => {
  const m = meter();
  await using given = redis.client({ maxConnections: 4 });
  using _otel = instrument({ meterProvider: m.meterProvider, traces: false, clients: { sessions: given } });
  await using created = redis.client();
  await given.get('x');
  await created.get('x');
  const lease = await given.acquire();
  const metrics = await m.collect();
  const count = metrics.find((d) => d.descriptor.name === 'db.client.connection.count')!;
  const of = (pool: string, state: string) => count.dataPoints.find((p) => p.attributes['db.client.connection.pool.name'] === pool && p.attributes['db.client.connection.state'] === state)?.value;
  assert.ok((of('sessions', 'used') as number) >= 2, 'the shared connection and the lease are used');
  assert.equal(of(`127.0.0.1:${redis.port}/0`, 'used'), 1, 'a client created after instrument() is observed under host:port/db');
  const max = metrics.find((d) => d.descriptor.name === 'db.client.connection.max')!;
  assert.equal(max.dataPoints.find((p) => p.attributes['db.client.connection.pool.name'] === 'sessions')?.value, 4);
  assert.ok(metrics.some((d) => d.descriptor.name === 'db.client.connection.pending_requests'));
  lease.release();
});

test('options are refused by name (ArgumentError ERR_INVALID_OPTION); stop() unsubscribes', async () => {
  const refuse = (options: unknown, pattern: RegExp): void => {
    assert.throws(() => instrument(options as never), (e: unknown) => e instanceof ArgumentError && e.code === 'ERR_INVALID_OPTION' && pattern.test(e.message));
  };
  refuse({ tracerProvider, metrics: false, tracer: 1 }, /unknown option "tracer"/);
  refuse({ tracerProvider, metrics: false, queryText: 'yes' }, /"queryText" must be true or false/);
  refuse({ tracerProvider: {}, metrics: false }, /tracerProvider/);
  refuse({ tracerProvider, metrics: false, bucketsMs: [2, 1] }, /bucketsMs/);
  refuse('x', /must be an object/);
  exporter.reset();
  const otel = instrument({ tracerProvider, metrics: false });
  await using client = redis.client();
  otel.stop();
  assert.equal(otel.isActive, false);
  await client.get('x');
  assert.equal(exporter.getFinishedSpans().length, 0);
});

test('without providers, the globals of @opentelemetry/api are used', async () => {
  exporter.reset();
  trace.setGlobalTracerProvider(tracerProvider);
  try {
    using _otel = instrument({ metrics: false });
    await using client = redis.client();
    await client.ping();
    assert.equal(spansNamed('PING').length, 1);
  } finally {
    trace.disable();
  }
});

test('createDurationProducer: the SDK reader collects the same histogram points, aggregated by leanredis', async () => {
  const durations = createDurationProducer({ bucketsMs: [0.1, 1, 10] });
  const m = meter([durations]);
  using _otel = instrument({ meterProvider: m.meterProvider, traces: false, durationProducer: durations });
  await using client = redis.client({ database: 1 });
  for (let i = 0; i < 4; i++) await client.get('x');
  await client.set('s', 'v');
  await assert.rejects(client.lPush('s', 'a'), { code: 'WRONGTYPE' });
  await client.pipeline().get('x').get('x').exec();
  const metrics = await m.collect();
  const all = metrics.filter((d) => d.descriptor.name === 'db.client.operation.duration') as HistogramMetricData[];
  assert.equal(all.length, 1, 'one histogram: the producer\'s, none from the Meter');
  const [duration] = all;
  assert.equal(duration.descriptor.unit, 's');
  const point = (operation: string) => duration.dataPoints.find((p) => p.attributes['db.operation.name'] === operation && p.attributes['error.type'] === undefined);
  const get = point('GET')!.value as Histogram;
  assert.equal(get.count, 4);
  assert.deepEqual(get.buckets.boundaries, [0.0001, 0.001, 0.01]);
  assert.equal(get.buckets.counts.reduce((a, b) => a + b, 0), 4);
  assert.ok(get.sum! > 0 && get.min! > 0 && get.max! >= get.min!);
  assert.equal(point('GET')!.attributes['db.namespace'], '1');
  const failed = duration.dataPoints.find((p) => p.attributes['error.type'] === 'WRONGTYPE')!;
  assert.equal(failed.attributes['db.operation.name'], 'LPUSH');
  assert.equal(failed.attributes['db.response.status_code'], 'WRONGTYPE');
  assert.equal((point('PIPELINE GET')!.value as Histogram).count, 1);
  assert.throws(() => createDurationProducer({ buckets: [1] } as never), (e: unknown) => e instanceof ArgumentError && /unknown option "buckets"/.test(e.message));
  assert.throws(() => instrument({ meterProvider: m.meterProvider, durationProducer: durations, bucketsMs: [1] }), /cannot be combined/);
});

test('requireParentSpan: a span only under a recording caller span; none outside a trace or in an unsampled one', async () => {
  exporter.reset();
  using _otel = instrument({ tracerProvider, metrics: false, requireParentSpan: true });
  await using client = redis.client();
  await client.get('outside');
  const unsampled = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 0 });
  await context.with(trace.setSpan(context.active(), unsampled), () => client.get('unsampled'));
  const parent = tracerProvider.getTracer('app').startSpan('handler');
  await context.with(trace.setSpan(context.active(), parent), async () => {
    await client.get('inside');
    await client.pipeline().get('a').get('b').exec();
  });
  parent.end();
  assert.deepEqual(
    exporter.getFinishedSpans().map((s) => s.name),
    ['GET', 'PIPELINE GET', 'handler'],
  );
  assert.equal(spansNamed('GET')[0].parentSpanContext?.spanId, parent.spanContext().spanId);
});

test('connect spans: a first dial is a child of the command that caused it; a reconnect is a root span with its attempt; a refused dial has error.type', async () => {
  exporter.reset();
  using _otel = instrument({ tracerProvider, metrics: false });
  await using client = redis.client({ database: 2 });
  const parent = tracerProvider.getTracer('app').startSpan('handler');
  await context.with(trace.setSpan(context.active(), parent), () => client.get('x'));
  parent.end();
  const [first] = spansNamed('connect');
  assert.ok(first, `spans: ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
  assert.equal(first.kind, 2, 'SpanKind.CLIENT');
  assert.equal(first.parentSpanContext?.spanId, parent.spanContext().spanId, 'the command that dialled is the parent');
  assert.deepEqual(first.attributes, { 'db.system.name': 'redis', 'db.namespace': '2', 'server.address': '127.0.0.1', 'server.port': redis.port, 'leanredis.connect.attempt': 0 });
  assert.equal(first.status.code, 0);
  // The server kills a subscriber connection, which redials by itself (nothing queued needed):
  // its reconnect is attempt 1 whatever the event loop's order. A shared connection found idle
  // when its socket closed dials afresh on the next command, attempt 0 (so killing the shared
  // connection and sending a GET was flaky at load: the close could come first).
  const subscription = await client.subscribe('otel:connect-spans', () => undefined);
  await using killer = redis.client();
  await killer.clientKill({ type: 'pubsub' });
  await waitFor(() => spansNamed('connect').some((s) => s.attributes['leanredis.connect.attempt'] !== 0), { message: 'a reconnect span' });
  await subscription.unsubscribe();
  const again = spansNamed('connect').find((s) => s.attributes['leanredis.connect.attempt'] !== 0)!;
  assert.equal(again.parentSpanContext, undefined, 'a reconnect is a root span');
  exporter.reset();
  await using refused = redis.client({ port: await freePort(), connectTimeoutMs: 1000 });
  await assert.rejects(refused.connect(), { code: 'ERR_CONNECTION_FAILED' });
  const failed = await waitFor(() => spansNamed('connect')[0], { message: 'the refused dial ended its span' });
  assert.equal(failed.status.code, 2, 'ERROR');
  assert.equal(failed.attributes['error.type'], 'ERR_CONNECTION_FAILED');
  assert.equal(failed.status.message, 'ERR_CONNECTION_FAILED');
});

test('connectSpans: false makes no connect span; requireParentSpan makes one only under a recording caller span, never for a reconnect', async () => {
  exporter.reset();
  {
    using _otel = instrument({ tracerProvider, metrics: false, connectSpans: false });
    await using client = redis.client();
    await client.get('x');
  }
  assert.deepEqual(exporter.getFinishedSpans().map((s) => s.name), ['GET']);
  exporter.reset();
  using _otel = instrument({ tracerProvider, metrics: false, requireParentSpan: true });
  await using outside = redis.client();
  await outside.get('x');
  await using inside = redis.client();
  const parent = tracerProvider.getTracer('app').startSpan('handler');
  await context.with(trace.setSpan(context.active(), parent), () => inside.get('x'));
  parent.end();
  assert.deepEqual(exporter.getFinishedSpans().map((s) => s.name), ['connect', 'GET', 'handler']);
  // A reconnect (a subscriber connection redials by itself after a loss) makes no span, even
  // while the application is inside a recording span.
  const subscription = await inside.subscribe('otel:require-parent', () => undefined);
  exporter.reset();
  await using killer = redis.client();
  const before = inside.stats().pubsubReconnects;
  await killer.clientKill({ type: 'pubsub' });
  const second = tracerProvider.getTracer('app').startSpan('handler');
  await context.with(trace.setSpan(context.active(), second), () => waitFor(() => inside.stats().pubsubReconnects > before, { message: 'the killed subscriber connection re-dialled' }));
  second.end();
  await subscription.unsubscribe();
  assert.ok(!exporter.getFinishedSpans().some((s) => s.name === 'connect'), 'a reconnect makes no span under requireParentSpan');
});

test('db.client.connection.create_time per successful connect, db.client.connection.timeouts from ERR_POOL_TIMEOUT, by pool name', async () => {
  const m = meter();
  await using given = redis.client({ maxConnections: 2 });
  using _otel = instrument({ meterProvider: m.meterProvider, traces: false, clients: { jobs: given } });
  await given.get('x');
  const lease = await given.acquire();
  await assert.rejects(given.acquire({ timeoutMs: 20 }), { code: 'ERR_POOL_TIMEOUT' });
  lease.release();
  const metrics = await m.collect();
  const create = metrics.find((d) => d.descriptor.name === 'db.client.connection.create_time') as HistogramMetricData;
  assert.ok(create, `metrics: ${metrics.map((d) => d.descriptor.name).join(', ')}`);
  assert.equal(create.descriptor.unit, 's');
  const point = create.dataPoints.find((p) => p.attributes['db.client.connection.pool.name'] === 'jobs')!;
  const h = point.value as Histogram;
  assert.equal(h.count, 2, 'the shared connection and the lease connection');
  assert.ok(h.sum! > 0 && h.max! < 5, `${h.sum} s`);
  assert.equal(h.buckets.boundaries[0], 0.0005, 'sub-millisecond first bucket');
  const timeouts = metrics.find((d) => d.descriptor.name === 'db.client.connection.timeouts')!;
  assert.equal(timeouts.descriptor.unit, '{timeout}');
  assert.equal(timeouts.dataPoints.find((p) => p.attributes['db.client.connection.pool.name'] === 'jobs')?.value, 1);
});

test('followParentSampling (default): no span under an unsampled parent, as the SDK\'s ParentBased sampler decides; spans at the root and under sampled parents', async () => {
  // Counts the spans each instrumentation asks the SDK for, and whether the SDK records them.
  const started: { name: string; isRecording: boolean }[] = [];
  const counting = {
    getTracer(name: string) {
      const tracer = tracerProvider.getTracer(name);
      return {
        startSpan(spanName: string, options?: object, ctx?: Parameters<typeof tracer.startSpan>[2]) {
          const span = tracer.startSpan(spanName, options, ctx);
          started.push({ name: spanName, isRecording: span.isRecording() });
          return span;
        },
      };
    },
  };
  const unsampledLocal = tracerProvider.getTracer('app').startSpan('sampled-out', {}, trace.setSpan(context.active(), trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 0 })));
  assert.equal(unsampledLocal.isRecording(), false, 'the SDK (ParentBased) does not record the child of an unsampled parent');
  const unsampledRemote = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 0, isRemote: true });
  const sampledRemote = trace.wrapSpanContext({ traceId: '5af7651916cd43dd8448eb211c80319c', spanId: 'c7ad6b7169203331', traceFlags: 1, isRemote: true });
  async function workload(client: ReturnType<typeof redis.client>): Promise<void> {
    await client.get('root');
    for (const parent of [unsampledLocal, unsampledRemote]) {
      await context.with(trace.setSpan(context.active(), parent), async () => {
        await client.get('unsampled');
        await client.pipeline().get('a').get('b').exec();
      });
    }
    await context.with(trace.setSpan(context.active(), sampledRemote), () => client.set('sampled', '1'));
  }

  exporter.reset();
  {
    using _otel = instrument({ tracerProvider: counting, metrics: false, connectSpans: false, followParentSampling: false });
    await using client = redis.client();
    await workload(client);
  }
  const sdkDecided = exporter.getFinishedSpans().map((s) => s.name);
  assert.deepEqual(sdkDecided, ['GET', 'SET'], 'left to the SDK: only the root GET and the SET under the sampled parent are recorded');
  assert.deepEqual(
    started.map((s) => `${s.name}:${s.isRecording}`),
    ['GET:true', 'GET:false', 'PIPELINE GET:false', 'GET:false', 'PIPELINE GET:false', 'SET:true'],
    'four spans started only to be non-recording',
  );

  exporter.reset();
  started.length = 0;
  {
    using _otel = instrument({ tracerProvider: counting, metrics: false, connectSpans: false });
    await using client = redis.client();
    await workload(client);
  }
  assert.deepEqual(exporter.getFinishedSpans().map((s) => s.name), sdkDecided, 'the same spans recorded');
  assert.deepEqual(started.map((s) => s.name), ['GET', 'SET'], 'and no span started under the unsampled parents');
  const set = spansNamed('SET')[0];
  assert.equal(set.spanContext().traceId, sampledRemote.spanContext().traceId);
  assert.equal(set.parentSpanContext?.spanId, sampledRemote.spanContext().spanId, 'the remote sampled parent is the parent');
  assert.throws(() => instrument({ tracerProvider, followParentSampling: 'yes' as never }), (e: unknown) => e instanceof ArgumentError && /"followParentSampling" must be true or false/.test(e.message));
});

test('two instrumentations at once each end their own span of every command and batch: their span slots on the context do not collide', async () => {
  const second = new InMemorySpanExporter();
  const secondProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(second)] });
  const seen: { keys: string[]; symbols: number; inBatch: boolean }[] = [];
  const dc = await import('node:diagnostics_channel');
  const look = (m: unknown): void => {
    seen.push({ keys: Object.keys(m as object), symbols: Object.getOwnPropertySymbols(m as object).length, inBatch: (m as { batch?: unknown }).batch !== undefined });
  };
  exporter.reset();
  {
    using _a = instrument({ tracerProvider, metrics: false, connectSpans: false });
    using _b = instrument({ tracerProvider: secondProvider, metrics: false, connectSpans: false });
    dc.subscribe('leanredis:command:end', look);
    try {
      await using client = redis.client();
      await client.set('slot', '1');
      await Promise.all([client.get('slot'), client.get('slot'), client.incr('n')]);
      await client.pipeline().get('slot').incr('n').exec();
    } finally {
      dc.unsubscribe('leanredis:command:end', look);
    }
  }
  const names = (spans: ReadableSpan[]): string[] => spans.map((s) => s.name).sort();
  assert.deepEqual(names(exporter.getFinishedSpans()), ['GET', 'GET', 'INCR', 'PIPELINE', 'SET']);
  assert.deepEqual(names(second.getFinishedSpans()), names(exporter.getFinishedSpans()), 'the second instrumentation ended the same spans, each its own');
  const ids = new Set([...exporter.getFinishedSpans(), ...second.getFinishedSpans()].map((s) => s.spanContext().spanId));
  assert.equal(ids.size, 10, 'ten distinct spans');
  assert.deepEqual(
    seen.map((s) => `${s.inBatch ? 'batch' : 'own'}:${s.symbols}`),
    ['own:2', 'own:2', 'own:2', 'own:2', 'batch:0', 'batch:0'],
    'a command of its own carried one slot per instrumentation (symbol keys); a batch\'s commands have no span',
  );
  assert.ok(seen.every((s) => !s.keys.some((k) => k.includes('span'))), 'and no string key a subscriber would enumerate');
});
