/**
 * The observation modes of bench/observe-cost.mjs and bench/instructions-per-command.mjs: what
 * runs beside the client in a child process (diagnostics, a channel subscriber, the OpenTelemetry
 * bridge), set up from one build's dist/ so before/after builds are compared with the same code.
 *
 *   plain         the client alone
 *   watch         leanredis/diagnostics watchMemory at 1 s: diagnostics that do not observe commands
 *   listen        a no-op subscriber on leanredis:command:end: the core's observed path alone
 *   prometheus    createCommandMetrics() (Prometheus recorder; from 2026-12-07's fifth pass a recorder of
 *                 the duration sink: no command observed through the channels; before it, a subscriber
 *                 of leanredis:command:end and leanredis:batch)
 *   otel-metrics  leanredis/otel instrument() with metrics only (SDK MeterProvider, never collected) + watch
 *   otel-producer as otel-metrics, the durations aggregated by createDurationProducer() (a MetricProducer)
 *   otel-producer-prometheus  as otel-producer, plus createCommandMetrics(): two recorders in the
 *                 duration sink, each command fanned out to both (a build before the fifth pass: the
 *                 producer in the sink, Prometheus from the channels)
 *   otel          instrument() with traces (SDK BasicTracerProvider, BatchSpanProcessor, a no-op exporter,
 *                 every span sampled) and metrics + watchMemory: "OTel and the watch on"
 *   otel-traces-producer  as otel, the durations through createDurationProducer()
 *   otel-sampled  as otel-traces-producer with a TraceIdRatioBasedSampler(0.1): 1 command in 10 a recorded span
 *   otel-unparented  as otel-traces-producer with requireParentSpan: the load runs outside any trace, so
 *                 no span is made (the cost of commands outside sampled requests)
 *   otel-unsampled-parent  as otel-traces-producer, the load running inside an unsampled parent span's
 *                 context (AsyncLocalStorageContextManager): what a service pays for its unsampled requests
 *                 (with followParentSampling, no span; before it, the SDK's non-recording span)
 *   context-only  no leanredis observer at all: the load runs inside an unsampled parent span's context
 *                 (AsyncLocalStorageContextManager registered), as otel-unsampled-parent: the context
 *                 manager's own price, which any traced service pays with or without leanredis/otel
 *   otel-null-tracer  as otel (Meter API durations + watch), but the tracer is one that hands back a
 *                 shared span doing nothing: leanredis's own part of a span per command without the
 *                 SDK's (otel minus this row is the SDK's span; this row minus otel-metrics is ours)
 *
 * The @opentelemetry packages resolve from the bench workspace: a dist copied outside the
 * repository cannot resolve @opentelemetry/api from its otel.js (followParentSampling then reads
 * no context), so keep copies inside it.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const OBSERVE_MODES = ['plain', 'watch', 'listen', 'prometheus', 'otel-metrics', 'otel-producer', 'otel-producer-prometheus', 'otel', 'otel-traces-producer', 'otel-sampled', 'otel-unparented', 'otel-unsampled-parent', 'otel-null-tracer', 'context-only'];

/**
 * Sets up `mode` in this (child) process, with the build in `dist`. Returns `stop` (tears it
 * down) and `within` (runs the load in the mode's context: an unsampled parent span for the
 * modes that need one). `watchIntervalMs`: the watch's sampling interval (under valgrind, which
 * runs the client ~100 times slower, 1 s would sample ~100 times as often per command).
 * @param {string} mode
 * @param {string} dist
 * @param {{ watchIntervalMs?: number }} [options]
 */
export async function setUpObserveMode(mode, dist, { watchIntervalMs = 1000 } = {}) {
  if (!OBSERVE_MODES.includes(mode)) throw new Error(`unknown mode ${mode}; known: ${OBSERVE_MODES.join(', ')}`);
  /** @type {(() => void)[]} */
  const stops = [];
  const file = (/** @type {string} */ name) => pathToFileURL(join(dist, name)).href;
  if (mode === 'watch' || mode.startsWith('otel')) {
    const { watchMemory } = await import(file('diagnostics.js'));
    const watch = watchMemory({ intervalMs: watchIntervalMs });
    stops.push(() => watch.stop());
  }
  if (mode === 'listen') {
    const dc = await import('node:diagnostics_channel');
    const noop = () => {};
    dc.subscribe('leanredis:command:end', noop);
    stops.push(() => dc.unsubscribe('leanredis:command:end', noop));
  }
  if (mode === 'prometheus' || mode === 'otel-producer-prometheus') {
    const { createCommandMetrics } = await import(file('diagnostics.js'));
    const metrics = createCommandMetrics();
    stops.push(() => metrics.stop());
  }
  if (mode.startsWith('otel')) {
    const { instrument, createDurationProducer } = await import(file('otel.js'));
    const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
    const meterProvider = new MeterProvider();
    const durationProducer = mode.endsWith('producer') || mode === 'otel-producer-prometheus' || mode === 'otel-sampled' || mode === 'otel-unparented' || mode === 'otel-unsampled-parent' ? createDurationProducer() : undefined;
    let tracerProvider;
    if (mode === 'otel' || mode === 'otel-traces-producer' || mode === 'otel-sampled' || mode === 'otel-unparented' || mode === 'otel-unsampled-parent') {
      const { BasicTracerProvider, BatchSpanProcessor, TraceIdRatioBasedSampler } = await import('@opentelemetry/sdk-trace-base');
      const exporter = { export: (/** @type {unknown} */ _spans, /** @type {(r: { code: number }) => void} */ done) => done({ code: 0 }), shutdown: async () => {} };
      const sampler = mode === 'otel-sampled' ? { sampler: new TraceIdRatioBasedSampler(0.1) } : {};
      tracerProvider = new BasicTracerProvider({ ...sampler, spanProcessors: [new BatchSpanProcessor(exporter)] });
    }
    if (mode === 'otel-null-tracer') {
      const span = { isRecording: () => true, setAttribute() {}, setStatus() {}, end() {}, spanContext: () => ({ traceId: '', spanId: '', traceFlags: 1 }) };
      tracerProvider = { getTracer: () => ({ startSpan: () => span }) };
    }
    const otel = instrument({
      meterProvider,
      ...(durationProducer ? { durationProducer } : {}),
      ...(tracerProvider ? { tracerProvider } : { traces: false }),
      ...(mode === 'otel-unparented' ? { requireParentSpan: true } : {}),
    });
    stops.push(() => otel.stop());
  }
  /** @type {<T>(fn: () => Promise<T>) => Promise<T>} */
  let within = (fn) => fn();
  if (mode === 'otel-unsampled-parent' || mode === 'context-only') {
    const { context, trace } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const parent = trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 0 });
    within = (fn) => context.with(trace.setSpan(context.active(), parent), fn);
  }
  return { stop: () => stops.forEach((s) => s()), within };
}
