// @layer L7 otel
/**
 * L7 `leanredis/otel`: OpenTelemetry spans and metrics for leanredis, following the stable
 * database semantic conventions, fed by the diagnostics channels the core publishes (the core
 * never imports OpenTelemetry). `@opentelemetry/api` is an optional peer dependency, loaded only
 * when `instrument()` needs a global provider. Importing `leanredis` loads none of this, and
 * importing this subpath subscribes to nothing until `instrument()` is called.
 */
export { instrument, Instrumentation, type InstrumentOptions } from './instrument.js';
export { createDurationProducer, DurationProducer, type DurationProducerOptions, type DurationCollection, type DurationMetricData } from './duration-producer.js';
export type { InstrumentedClient } from './connection-gauges.js';
export type { OtelTracerProvider, OtelTracer, OtelSpan, OtelMeterProvider, OtelMeter, OtelHistogram, OtelObservable, OtelObservableResult, OtelMetricOptions, OtelAttributes, OtelAttributeValue } from './otel-types.js';
