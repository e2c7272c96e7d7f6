// @layer L7 otel
/**
 * L7 otel: `instrument()`, the OpenTelemetry bridge. It subscribes to the diagnostics channels
 * the core publishes (docs/observability.md), so the core never imports the OpenTelemetry API,
 * and turns them into spans and metrics that follow the stable database conventions:
 *
 *   tracing:leanredis:command:start  a span named after the command (`GET`), started while
 *                                    the caller's context is active, so it is the parent
 *   leanredis:command:end            the span ends (status, error.type, db.response.status_code);
 *                                    a db.client.operation.duration point is recorded
 *   tracing:leanredis:batch:start    one span per pipeline or transaction (`PIPELINE`, `MULTI`)
 *   tracing:leanredis:batch:asyncEnd it ends; one duration point for the whole batch
 *   tracing:leanredis:connect:start  a `connect` span per dial and handshake (connectSpans)
 *   tracing:leanredis:connect:asyncEnd it ends (error.type on failure); a successful connect
 *                                    is a db.client.connection.create_time point
 *
 * A command of a batch (its context has `batch`) is neither a span nor a point: the batch is
 * the operation, as the conventions say.
 *
 * With a `durationProducer`, command durations do not come from `leanredis:command:end`: the
 * producer is installed as the core's duration sink (src/internal/duration-sink.ts) and each
 * client adds its commands to it, timed by the command itself when nobody observes commands
 * (metrics only: no command channel is subscribed) or by the observed path when someone does
 * (spans on); batches still come from `leanredis:batch`. Never both for one command. Other
 * recorders may be installed beside it (a Prometheus `createCommandMetrics()`, another
 * producer: the core fans each command out to each); the same producer is installed by one
 * running instrumentation at a time, and a second instrument() with it throws ArgumentError
 * (ERR_INVALID_OPTION) rather than count every command twice. The span of an operation rides on its context (the
 * same object in every event, which diagnostics_channel's tracing contexts exist to carry from
 * start to end) under a symbol of this instrumentation, so two instrumentations never share a
 * slot. A WeakMap keyed by the context did this before: its set, get and delete were about a
 * third of this file's own CPU per span (a CPU profile of bench/observe-cost.mjs's otel mode);
 * the slot is a property write and two reads. (A Map was tried before the WeakMap: at
 * concurrent100 with the SDK it doubled CPU per command, 6.2 -> 13 µs; measured, not understood.)
 */
import type * as DiagnosticsChannel from 'node:diagnostics_channel';
import type { BatchContext, CommandContext, ConnectContext } from '../internal/channels.js';
import { loadCore } from './core-loader.js';
import { ConnectionGauges, type InstrumentedClient } from './connection-gauges.js';
import { DEFAULT_DURATION_BUCKETS_MS, DurationProducer, isBucketList } from './duration-producer.js';
import {
  DB_OPERATION_BATCH_SIZE,
  DB_QUERY_TEXT,
  DB_RESPONSE_STATUS_CODE,
  ERROR_TYPE,
  batchOperation,
  batchQueryText,
  commandQueryText,
  connectAttributes,
  describeError,
  destinationAttributes,
} from './semconv.js';
import { SPAN_KIND_CLIENT, SPAN_STATUS_ERROR, TRACE_FLAG_SAMPLED, type OtelApi, type OtelAttributes, type OtelHistogram, type OtelMeterProvider, type OtelSpan, type OtelTracer, type OtelTracerProvider } from './otel-types.js';

/** Options of `instrument`. Unknown keys are refused (ArgumentError, ERR_INVALID_OPTION). */
export interface InstrumentOptions {
  /** Where spans go. @default the global provider of @opentelemetry/api (`trace.getTracerProvider()`) */
  tracerProvider?: OtelTracerProvider;
  /** Where metrics go. @default the global provider of @opentelemetry/api (`metrics.getMeterProvider()`) */
  meterProvider?: OtelMeterProvider;
  /** Emit spans. @default true */
  traces?: boolean;
  /** Emit metrics (operation duration and the connection-pool instruments). @default true */
  metrics?: boolean;
  /**
   * Add `db.query.text`: the command and its arguments as the client's `observeArguments`
   * sanitizes them (`SET ? ?` with `observeArguments: true`). Clients that do not observe their
   * arguments give none, so no query text. @default false
   */
  queryText?: boolean;
  /**
   * Make a span only for a command whose caller has a recording span active (a traced request
   * that is sampled): commands outside any trace, or of an unsampled one, cost a context lookup
   * instead of a span (the SDK's span costs several microseconds, more than the command).
   * Needs @opentelemetry/api installed (its context is read). @default false
   */
  requireParentSpan?: boolean;
  /**
   * A `connect` span (kind CLIENT) for each dial and handshake of a connection: server.address,
   * server.port, db.namespace, `leanredis.connect.attempt` (0 for a dial a command caused: a
   * connection's first, or the next after its socket was lost while idle; then 1, 2... for the
   * reconnect attempts a loss with work pending starts), error.type when it fails. A dial with
   * attempt 0 runs in the context of the command or lease that caused it, so that span is its
   * parent; a reconnect is a root span
   * (it is the connection's own work, not the caller's that created it long ago), and with
   * `requireParentSpan` it makes no span. @default true
   */
  connectSpans?: boolean;
  /**
   * Make no span for a command whose caller's active span context is valid but not sampled (a
   * trace its root decided not to record): the SDK's default sampler, ParentBased, would make
   * it a non-recording span anyway, and deciding here skips the SDK's span id, sampler call and
   * span object (about a microsecond per command). Set false only with a sampler that may
   * sample the child of an unsampled parent. Uses @opentelemetry/api's context when it can be
   * loaded (without it no context can be active, and every command is a span). @default true
   */
  followParentSampling?: boolean;
  /** Clients whose pools `db.client.connection.*` observes: an array, or an object whose keys are the pool names. */
  clients?: readonly InstrumentedClient[] | Readonly<Record<string, InstrumentedClient>>;
  /** Also observe the pools of clients created after `instrument()`. @default true */
  trackClients?: boolean;
  /**
   * Bucket bounds of db.client.operation.duration (advice to the SDK; a View overrides it).
   * @default [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] (ms; exported in seconds)
   */
  bucketsMs?: readonly number[];
  /**
   * Record db.client.operation.duration into this producer (`createDurationProducer()`, given
   * to your MetricReader's `metricProducers`) instead of through the Meter API: the same
   * points at about a tenth of the cost per operation. `bucketsMs` is then the producer's.
   * The producer is installed in the process's duration sink, beside any other recorder (a
   * Prometheus `createCommandMetrics()`, another producer): each client adds its commands to it
   * directly, so without spans no command is observed through `leanredis:command` at all
   * (docs/observability.md). A producer installed by a running instrumentation is refused
   * (ArgumentError, ERR_INVALID_OPTION: it would count every command twice); `stop()` frees it.
   * @default undefined (durations through the Meter API)
   */
  durationProducer?: DurationProducer;
}

const KNOWN = ['tracerProvider', 'meterProvider', 'traces', 'metrics', 'queryText', 'requireParentSpan', 'followParentSampling', 'connectSpans', 'clients', 'trackClients', 'bucketsMs', 'durationProducer'];
const SCOPE = 'leanredis';

function invalid(message: string): never {
  throw new (loadCore().ArgumentError)(`instrument: ${message}`, 'ERR_INVALID_OPTION');
}

function tryLoadApi(): OtelApi | undefined {
  try {
    return process.getBuiltinModule('node:module').createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
  } catch {
    return undefined;
  }
}

function loadApi(): OtelApi {
  return tryLoadApi() ?? invalid('@opentelemetry/api is not installed (an optional peer dependency): give tracerProvider and meterProvider, and leave requireParentSpan off');
}

function checkOptions(options: unknown): InstrumentOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) invalid('options must be an object');
  for (const key of Object.keys(options)) if (!KNOWN.includes(key)) invalid(`unknown option "${key}"; accepted: ${KNOWN.join(', ')}`);
  const o = options as Record<string, unknown>;
  for (const key of ['traces', 'metrics', 'queryText', 'requireParentSpan', 'followParentSampling', 'connectSpans', 'trackClients']) if (o[key] !== undefined && typeof o[key] !== 'boolean') invalid(`option "${key}" must be true or false`);
  if (o.tracerProvider !== undefined && typeof (o.tracerProvider as OtelTracerProvider)?.getTracer !== 'function') invalid('option "tracerProvider" must be a TracerProvider (with getTracer)');
  if (o.meterProvider !== undefined && typeof (o.meterProvider as OtelMeterProvider)?.getMeter !== 'function') invalid('option "meterProvider" must be a MeterProvider (with getMeter)');
  if (o.bucketsMs !== undefined && !isBucketList(o.bucketsMs)) invalid('option "bucketsMs" must be 1 to 64 finite numbers > 0 in ascending order (ms)');
  if (o.durationProducer !== undefined && !(o.durationProducer instanceof DurationProducer)) invalid('option "durationProducer" must be what createDurationProducer() returns');
  if (o.durationProducer !== undefined && o.bucketsMs !== undefined) invalid('options "durationProducer" and "bucketsMs" cannot be combined: give the buckets to createDurationProducer()');
  return o as InstrumentOptions;
}

function clientList(clients: unknown): [string | undefined, InstrumentedClient][] {
  if (clients === undefined) return [];
  if (typeof clients !== 'object' || clients === null) invalid('option "clients" must be an array of clients or an object of named clients');
  const entries: [string | undefined, unknown][] = Array.isArray(clients) ? clients.map((c) => [undefined, c]) : Object.entries(clients);
  for (const [, c] of entries) if (typeof (c as InstrumentedClient)?.stats !== 'function') invalid('option "clients" holds something that is not a leanredis client');
  return entries as [string | undefined, InstrumentedClient][];
}

/** Ends a span with the outcome: status ERROR, error.type and db.response.status_code on failure. */
function endSpan(span: OtelSpan, error: unknown): void {
  if (error !== undefined && span.isRecording()) {
    const { errorType, statusCode } = describeError(error);
    span.setAttribute(ERROR_TYPE, errorType);
    if (statusCode !== undefined) span.setAttribute(DB_RESPONSE_STATUS_CODE, statusCode);
    // The code only: a server's message may quote arguments (ERR unknown command ... with args).
    span.setStatus({ code: SPAN_STATUS_ERROR, message: errorType });
  }
  span.end();
}

/** What #parentOf returns when the operation gets no span. */
const NO_SPAN = Symbol('no span');

/** A context seen as the span slot it carries for an instrumentation (see the file comment). */
type SpanSlots = Record<symbol, OtelSpan | undefined>;

/** A running instrumentation (see `instrument`); `stop()` unsubscribes. */
export class Instrumentation {
  readonly #tracer: OtelTracer | undefined;
  readonly #duration: OtelHistogram | undefined;
  readonly #producer: DurationProducer | undefined;
  readonly #gauges: ConnectionGauges | undefined;
  readonly #queryText: boolean;
  /** The API whose context is read before each span (undefined: none is read, the SDK looks it up). */
  readonly #api: OtelApi | undefined;
  readonly #requireParent: boolean;
  /** Where this instrumentation keeps an operation's span on its context. */
  readonly #spanKey = Symbol('leanredis.otel.span');
  readonly #subscriptions: [string, (message: unknown) => void][] = [];
  #isActive = true;

  constructor(o: {
    tracer: OtelTracer | undefined;
    parentApi: OtelApi | undefined;
    requireParent: boolean;
    meterProvider: OtelMeterProvider | undefined;
    producer: DurationProducer | undefined;
    queryText: boolean;
    connectSpans: boolean;
    bucketsMs: readonly number[];
    clients: [string | undefined, InstrumentedClient][];
    trackClients: boolean;
  }) {
    this.#tracer = o.tracer;
    this.#queryText = o.queryText;
    this.#producer = o.producer;
    this.#api = o.parentApi;
    this.#requireParent = o.requireParent;
    // The producer is installed beside any other recorder (the core's registry, reached through
    // the public entry so that this bundle holds none of the core), before anything is
    // subscribed. Installed twice it would count every command twice: refused.
    if (o.producer !== undefined && !loadCore().__internals.loadDurationSinks().install(o.producer)) {
      invalid('option "durationProducer" is installed by a running instrumentation already (each would count every command): stop() that one first, or give this one a producer of its own');
    }
    if (o.meterProvider !== undefined) {
      const meter = o.meterProvider.getMeter(SCOPE);
      if (o.producer === undefined) this.#duration = meter.createHistogram('db.client.operation.duration', {
        description: 'Duration of database client operations.',
        unit: 's',
        advice: { explicitBucketBoundaries: o.bucketsMs.map((ms) => Number((ms / 1000).toPrecision(12))) },
      });
      this.#gauges = new ConnectionGauges(meter, o.clients, o.trackClients);
    }
    const dc = process.getBuiltinModule('node:diagnostics_channel') as typeof DiagnosticsChannel;
    const on = (name: string, fn: (message: unknown) => void): void => {
      dc.subscribe(name, fn);
      this.#subscriptions.push([name, fn]);
    };
    if (this.#tracer !== undefined) {
      on('tracing:leanredis:command:start', (m) => this.#commandStart(m as CommandContext));
      on('tracing:leanredis:batch:start', (m) => this.#batchStart(m as BatchContext));
      if (o.connectSpans) on('tracing:leanredis:connect:start', (m) => this.#connectStart(m as ConnectContext));
    }
    // Without spans there is no span to end: the duration alone; and with a producer (in the
    // duration sink), not even that (metrics only + the watch, issue 14's configuration to keep under 8%).
    if (this.#tracer !== undefined) on('leanredis:command:end', (m) => this.#commandEnd(m as CommandContext));
    else if (o.producer === undefined) on('leanredis:command:end', (m) => this.#commandDuration(m as CommandContext));
    on('tracing:leanredis:batch:asyncEnd', (m) => this.#batchEnd(m as BatchContext));
    if ((this.#tracer !== undefined && o.connectSpans) || this.#gauges !== undefined) on('tracing:leanredis:connect:asyncEnd', (m) => this.#connectEnd(m as ConnectContext));
  }

  /** Whether it still listens (false after `stop()`). */
  get isActive(): boolean {
    return this.#isActive;
  }

  /** Unsubscribes from the channels and removes the metric callbacks; spans in progress are not ended. Idempotent. */
  stop(): void {
    if (!this.#isActive) return;
    this.#isActive = false;
    const dc = process.getBuiltinModule('node:diagnostics_channel') as typeof DiagnosticsChannel;
    for (const [name, fn] of this.#subscriptions) dc.unsubscribe(name, fn);
    this.#subscriptions.length = 0;
    if (this.#producer !== undefined) loadCore().__internals.loadDurationSinks().uninstall(this.#producer);
    this.#gauges?.stop();
  }

  /** `using otel = instrument(...)` stops it at the end of the scope. */
  [Symbol.dispose](): void {
    this.stop();
  }

  /** Keeps `span` on the operation's context until its end. */
  #keep(context: object, span: OtelSpan): void {
    (context as SpanSlots)[this.#spanKey] = span;
  }

  /** The span kept on `context`, once: the slot is cleared (set, never deleted, so the context keeps its shape). */
  #take(context: object): OtelSpan | undefined {
    const slots = context as SpanSlots;
    const span = slots[this.#spanKey];
    if (span !== undefined) slots[this.#spanKey] = undefined;
    return span;
  }

  /**
   * The context to start an operation's span in (the caller's, read once and handed to the
   * SDK, which would otherwise read it again), undefined to let the SDK read it, or NO_SPAN:
   * with requireParentSpan, when the caller's span is not recording; with followParentSampling,
   * when it is valid and unsampled (ParentBased's decision, made without the SDK's span).
   */
  #parentOf(): unknown {
    const api = this.#api;
    if (api === undefined) return undefined;
    const active = api.context.active();
    const parent = api.trace.getSpan(active);
    if (this.#requireParent) return parent?.isRecording() === true ? active : NO_SPAN;
    if (parent !== undefined) {
      const sc = parent.spanContext();
      if ((sc.traceFlags & TRACE_FLAG_SAMPLED) === 0 && api.trace.isSpanContextValid(sc)) return NO_SPAN;
    }
    return active;
  }

  #commandStart(c: CommandContext): void {
    if (c.batch !== undefined) return;
    const parent = this.#parentOf();
    if (parent === NO_SPAN) return;
    const attributes = destinationAttributes(c, c.command);
    if (this.#queryText) attributes[DB_QUERY_TEXT] = commandQueryText(c);
    this.#keep(c, this.#tracer!.startSpan(c.command, { kind: SPAN_KIND_CLIENT, attributes }, parent));
  }

  #commandEnd(c: CommandContext): void {
    if (c.batch !== undefined) return;
    const span = this.#take(c);
    if (span !== undefined) endSpan(span, c.error);
    // A producer is the installed sink: the observed path already added this duration (client/observe.ts).
    if (this.#producer === undefined && this.#duration !== undefined) this.#record(c, c.command, c.durationMs, c.error);
  }

  /** #commandEnd without spans nor producer: the Meter API's histogram. */
  #commandDuration(c: CommandContext): void {
    if (c.batch !== undefined) return;
    if (this.#duration !== undefined) this.#record(c, c.command, c.durationMs, c.error);
  }

  #batchStart(b: BatchContext): void {
    const parent = this.#parentOf();
    if (parent === NO_SPAN) return;
    const operation = batchOperation(b);
    const attributes = destinationAttributes(b, operation);
    if (b.batchSize >= 2) attributes[DB_OPERATION_BATCH_SIZE] = b.batchSize;
    if (this.#queryText) attributes[DB_QUERY_TEXT] = batchQueryText(b);
    this.#keep(b, this.#tracer!.startSpan(operation, { kind: SPAN_KIND_CLIENT, attributes }, parent));
  }

  #batchEnd(b: BatchContext): void {
    const span = this.#take(b);
    if (span !== undefined) endSpan(span, b.error);
    if (this.#producer !== undefined) this.#producer.record(b, batchOperation(b), b.durationMs, b.error);
    else if (this.#duration !== undefined) this.#record(b, batchOperation(b), b.durationMs, b.error);
  }

  #connectStart(c: ConnectContext): void {
    const isReconnect = c.attempt > 0;
    // A reconnect is a root span (no parent to follow), none at all with requireParentSpan; a
    // first dial follows its caller's span like a command.
    if (isReconnect && this.#requireParent) return;
    const parent = isReconnect ? undefined : this.#parentOf();
    if (parent === NO_SPAN) return;
    this.#keep(c, this.#tracer!.startSpan('connect', { kind: SPAN_KIND_CLIENT, attributes: connectAttributes(c), root: isReconnect }, parent));
  }

  #connectEnd(c: ConnectContext): void {
    const span = this.#take(c);
    if (span !== undefined) endSpan(span, c.error);
    if (c.error === undefined) this.#gauges?.connected(c.client, c.durationMs);
  }

  #record(d: CommandContext | BatchContext, operation: string, durationMs: number, error: unknown): void {
    const attributes: OtelAttributes = destinationAttributes(d, operation);
    if (error !== undefined) {
      const { errorType, statusCode } = describeError(error);
      attributes[ERROR_TYPE] = errorType;
      if (statusCode !== undefined) attributes[DB_RESPONSE_STATUS_CODE] = statusCode;
    }
    this.#duration!.record(durationMs / 1000, attributes);
  }
}

/**
 * Starts emitting OpenTelemetry spans and metrics for every leanredis client of the process,
 * following the stable database semantic conventions (docs/observability.md lists each span,
 * attribute and instrument). Providers default to the globals of `@opentelemetry/api` (an
 * optional peer dependency, loaded only then). Returns the running `Instrumentation`; `stop()`
 * ends it. Throws ArgumentError (ERR_INVALID_OPTION) naming an unknown or invalid option.
 *
 * ```ts
 * import { instrument } from 'leanredis/otel';
 * const otel = instrument({ tracerProvider, meterProvider });
 * ```
 */
export function instrument(options?: InstrumentOptions): Instrumentation {
  const o = checkOptions(options);
  const traces = o.traces ?? true;
  const metrics = o.metrics ?? true;
  const clients = clientList(o.clients);
  const requireParentSpan = traces && o.requireParentSpan === true;
  const followParentSampling = traces && (o.followParentSampling ?? true);
  const needsApi = (traces && o.tracerProvider === undefined) || (metrics && o.meterProvider === undefined) || requireParentSpan;
  const api = needsApi ? loadApi() : followParentSampling ? tryLoadApi() : undefined;
  const tracerProvider = traces ? (o.tracerProvider ?? api!.trace.getTracerProvider()) : undefined;
  const meterProvider = metrics ? (o.meterProvider ?? api!.metrics.getMeterProvider()) : undefined;
  return new Instrumentation({
    tracer: tracerProvider?.getTracer(SCOPE),
    parentApi: requireParentSpan || followParentSampling ? api : undefined,
    requireParent: requireParentSpan,
    meterProvider,
    producer: o.durationProducer,
    queryText: o.queryText ?? false,
    connectSpans: o.connectSpans ?? true,
    bucketsMs: o.bucketsMs ?? DEFAULT_DURATION_BUCKETS_MS,
    clients,
    trackClients: o.trackClients ?? true,
  });
}
