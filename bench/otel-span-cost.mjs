#!/usr/bin/env node
/**
 * The OpenTelemetry JS SDK's own price for one span, without any Redis client: what any
 * instrumentation that makes a span per command pays on top of the command (issue 14, "with
 * OTel and the watch on < 8%"). In one process, interleaved rounds, ns of CPU per operation:
 *
 *   root             tracer.startSpan(name, { kind: CLIENT, attributes: the 5 leanredis sets }, ROOT_CONTEXT)
 *                    then span.end(): the default sampler (ParentBased(AlwaysOn)), a BatchSpanProcessor
 *                    with an exporter that drops the batch (nothing serialized, nothing sent)
 *   unsampled-parent the same under an unsampled parent: the SDK's non-recording span (what
 *                    followParentSampling skips)
 *   attributes       only building the 5-attribute object as leanredis does (computed keys; written
 *                    with plain keys it measured 2 ns less: not worth a second spelling of the names)
 *   clock            one performance.now() (the SDK reads the clock 3-4 times per span on Node 20)
 *   instrument <dir> per build given with --dists (dist dirs, comma-separated): a command context
 *                    (shaped as the core's) published on tracing:leanredis:command:start and
 *                    leanredis:command:end through that build's instrument() with a tracer that
 *                    hands back one shared span doing nothing and no metrics: leanredis/otel's own
 *                    part of a span per command (the core's observed path not included)
 *
 *   node bench/otel-span-cost.mjs [--rounds=9] [--ops=200000] [--dists=<dist>,<dist>]
 */
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './lib/measure.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
for (const k of Object.keys(args)) if (!['rounds', 'ops', 'dists'].includes(k)) throw new Error(`unknown option --${k}`);
const rounds = Number(args.rounds ?? 9);
const ops = Number(args.ops ?? 200_000);
const { context, trace, ROOT_CONTEXT } = await import('@opentelemetry/api');
const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
const exporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
const tracer = provider.getTracer('bench');
const unsampled = trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 0 }));
const names = ['GET', 'SET'];
let sink = 0;
const ring = new Array(1024);
const [SYSTEM, OPERATION, NAMESPACE, ADDRESS, PORT] = ['db.system.name', 'db.operation.name', 'db.namespace', 'server.address', 'server.port'];
const computed = (i) => ({ [SYSTEM]: 'redis', [OPERATION]: names[i & 1], [NAMESPACE]: '0', [ADDRESS]: '127.0.0.1', [PORT]: 6379 });
const attributes = (i) => ({ 'db.system.name': 'redis', 'db.operation.name': names[i & 1], 'db.namespace': '0', 'server.address': '127.0.0.1', 'server.port': 6379 });
/** @type {Record<string, (i: number) => void>} */
const cases = {
  root: (i) => tracer.startSpan(names[i & 1], { kind: 2, attributes: attributes(i) }, ROOT_CONTEXT).end(),
  'unsampled-parent': (i) => tracer.startSpan(names[i & 1], { kind: 2, attributes: attributes(i) }, unsampled).end(),
  // Kept in a ring, so the object escapes (as it does into startSpan) and is really built.
  attributes: (i) => {
    ring[i & 1023] = computed(i);
  },
  clock: () => {
    sink += performance.now();
  },
};
// A context shaped as the core's CommandRecord (a class instance with the same fields).
class Context {
  address = '127.0.0.1:6379';
  serverAddress = '127.0.0.1';
  serverPort = 6379;
  database = 0;
  client = {};
  connectionId = undefined;
  batch = undefined;
  durationMs = 0.1;
  error = undefined;
  fallback = undefined;
  constructor(command) {
    this.command = command;
    this.args = undefined;
  }
}
const dc = await import('node:diagnostics_channel');
const start = dc.channel('tracing:leanredis:command:start');
const end = dc.channel('leanredis:command:end');
const nullSpan = { isRecording: () => true, setAttribute() {}, setStatus() {}, end() {}, spanContext: () => ({ traceId: '', spanId: '', traceFlags: 1 }) };
const nullProvider = { getTracer: () => ({ startSpan: () => nullSpan }) };
for (const dir of (args.dists ?? '').split(',').filter(Boolean)) {
  const { instrument } = await import(pathToFileURL(join(resolve(dir), 'otel.js')).href);
  /** @type {{ stop(): void } | undefined} */
  let running;
  const label = `instrument ${dir}`;
  cases[label] = (i) => {
    if (i === 0) running = instrument({ tracerProvider: nullProvider, metrics: false, connectSpans: false });
    const c = new Context(names[i & 1]);
    start.publish(c);
    end.publish(c);
    if (i === ops - 1) running?.stop();
  };
}
/** @type {Record<string, number[]>} */
const ns = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const loadBefore = loadavg()[0].toFixed(2);
for (let round = -1; round < rounds; round++) {
  for (const [name, fn] of Object.entries(cases)) {
    const before = process.cpuUsage();
    for (let i = 0; i < ops; i++) fn(i);
    const used = process.cpuUsage(before);
    if (round >= 0) ns[name].push(((used.user + used.system) * 1000) / ops);
  }
}
await provider.shutdown();
void context;
console.log(`OpenTelemetry SDK span cost, ${rounds} rounds of ${ops} operations (after a warm-up round); load average ${loadBefore} -> ${loadavg()[0].toFixed(2)}; sink ${sink > 0 ? 'ok' : '0'}`);
console.log('| case | CPU per operation (median) | p25 .. p75 |\n|---|---:|---:|');
for (const [name, v] of Object.entries(ns)) {
  const q = [...v].sort((a, b) => a - b);
  console.log(`| ${name} | ${median(q).toFixed(0)} ns | ${q[q.length >> 2].toFixed(0)} .. ${q[(3 * q.length) >> 2].toFixed(0)} |`);
}
