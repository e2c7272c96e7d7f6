// @layer L7 otel
/**
 * L7 otel: the part of `@opentelemetry/api` that `leanredis/otel` uses, as structural types.
 * The package has zero runtime dependencies and the API is an optional peer: these types let
 * `instrument()` accept a real TracerProvider and MeterProvider (from @opentelemetry/api 1.x,
 * the SDKs or a vendor's distribution) without importing the API's declarations, so a user
 * without it installed still type-checks. The values below are the API's stable enums.
 */

/** An attribute value: the scalars leanredis sets (the API also accepts arrays). */
export type OtelAttributeValue = string | number | boolean;

/** Span attributes. */
export type OtelAttributes = Record<string, OtelAttributeValue | undefined>;

/** `SpanKind.CLIENT` of @opentelemetry/api. */
export const SPAN_KIND_CLIENT = 2;
/** `SpanStatusCode.ERROR` of @opentelemetry/api. */
export const SPAN_STATUS_ERROR = 2;

/** `TraceFlags.SAMPLED` of @opentelemetry/api. */
export const TRACE_FLAG_SAMPLED = 1;

/** A span's identity (`SpanContext` of @opentelemetry/api): what a sampling decision reads. */
export interface OtelSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** A span, as `instrument()` uses it. */
export interface OtelSpan {
  setAttribute(key: string, value: OtelAttributeValue): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(endTime?: number): void;
  isRecording(): boolean;
  spanContext(): OtelSpanContext;
}

/** A tracer, as `instrument()` uses it (`context`: the parent context, as the API's third argument). */
export interface OtelTracer {
  startSpan(name: string, options?: { kind?: number; attributes?: OtelAttributes; root?: boolean }, context?: unknown): OtelSpan;
}

/** `TracerProvider` of @opentelemetry/api: what `instrument({ tracerProvider })` takes. */
export interface OtelTracerProvider {
  getTracer(name: string, version?: string): OtelTracer;
}

/** A histogram instrument. */
export interface OtelHistogram {
  record(value: number, attributes?: OtelAttributes): void;
}

/** What an observable instrument's callback receives. */
export interface OtelObservableResult {
  observe(value: number, attributes?: OtelAttributes): void;
}

/** An observable (asynchronous) instrument. */
export interface OtelObservable {
  addCallback(callback: (result: OtelObservableResult) => void): void;
  removeCallback(callback: (result: OtelObservableResult) => void): void;
}

/** Options of a metric instrument. */
export interface OtelMetricOptions {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

/** A meter, as `instrument()` uses it. */
export interface OtelMeter {
  createHistogram(name: string, options?: OtelMetricOptions): OtelHistogram;
  createObservableUpDownCounter(name: string, options?: OtelMetricOptions): OtelObservable;
  createObservableCounter(name: string, options?: OtelMetricOptions): OtelObservable;
}

/** `MeterProvider` of @opentelemetry/api: what `instrument({ meterProvider })` takes. */
export interface OtelMeterProvider {
  getMeter(name: string, version?: string): OtelMeter;
}

/** The globals of @opentelemetry/api used when no provider is given. */
export interface OtelApi {
  trace: { getTracerProvider(): OtelTracerProvider; getSpan(context: unknown): OtelSpan | undefined; isSpanContextValid(spanContext: OtelSpanContext): boolean };
  context: { active(): unknown };
  metrics: { getMeterProvider(): OtelMeterProvider };
}
