// @layer L6 client
/**
 * Client options: the public shape, their defaults, and validation. Bad options fail at
 * construction with a message naming the option and the accepted range; nothing is dialled.
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ArgumentError } from '../errors.js';
import { DEFAULT_DECODER_LIMITS, type DecoderLimits } from '../resp/types.js';
import type { Credentials } from '../connection/handshake.js';
import type { ConnectionSettings } from '../connection/connection.js';
import type { PoolSettings } from '../pool/pool.js';
import type { Destination } from '../internal/channels.js';
import type { Arg } from '../resp/encoder.js';

/** Options of `createClient`. Every time is in milliseconds, every size in bytes. */
export interface ClientOptions {
  /** `redis://[user:pass@]host:port/db`, `rediss://` for TLS, or `unix:///path.sock?db=N`. Explicit options win over the URL. */
  url?: string;
  /** @default "127.0.0.1" */
  host?: string;
  /** @default 6379 */
  port?: number;
  /** Unix socket path; replaces host and port. */
  path?: string;
  /** ACL user name. @default "default" when a password is given */
  username?: string;
  /** Password for AUTH. Never appears in errors, events, stats or `util.inspect`. */
  password?: string;
  /** Called at every (re)connect for fresh credentials (rotation). Wins over username/password. */
  credentials?: () => Credentials | Promise<Credentials>;
  /** Database number for SELECT. @default 0 */
  database?: number;
  /** CLIENT SETNAME for every connection, shown in CLIENT LIST. */
  clientName?: string;
  /** RESP version to ask for with HELLO; servers without HELLO get RESP2. @default 3 */
  protocol?: 2 | 3;
  /** TLS: `true` for defaults, or Node `tls.connect` options (ca, cert, key, servername...). `rediss://` implies `true`. */
  tls?: boolean | TlsOptions;
  /** Longest time to dial, set up TLS and finish the handshake. @default 5000 (ms) */
  connectTimeoutMs?: number;
  /**
   * Deadline of every command, covering queueing, reconnects and the reply; 0 disables. Per
   * call: `client.with({ timeoutMs })`. A blocking command (BLPOP, XREAD BLOCK...) gets this
   * long to obtain its lease, then its block time plus a tenth of it (at least 150 ms, at most
   * this) from when it is written, so a black-holed connection fails it soon after the server
   * would have answered. A pop (BLPOP, BRPOP, BLMPOP, BZPOPMIN/MAX, BZMPOP) that times out this
   * way may have popped an element on a server that was only slow: the reply is never read
   * (the connection is discarded), so that element is lost; where that matters, move instead
   * of pop (blMove into a processing list), read streams with xReadGroup (entries stay
   * pending until acknowledged), or give the call a wider `timeoutMs`. @default 5000 (ms)
   */
  commandTimeoutMs?: number;
  /** How far past its deadline a written command's reply may be before the connection is declared dead and closed. @default 5000 (ms) */
  socketTimeoutMs?: number;
  /** TCP keep-alive initial delay; 0 disables keep-alive probes. @default 30000 (ms) */
  keepAliveMs?: number;
  /**
   * Return bulk strings as Buffers instead of UTF-8 strings. A client made with
   * `returnBuffers: true` is typed `Client<Buffer>` (see BufferClientOptions); here only
   * `false` is accepted so that a `ClientOptions` value always makes a `Client<string>`.
   * @default false
   */
  returnBuffers?: false;
  /** Largest bulk string accepted from the server. @default 536870912 (bytes) */
  maxBulkBytes?: number;
  /** Most elements in one reply aggregate. @default 268435455 */
  maxAggregateLength?: number;
  /** Deepest nesting of reply aggregates. @default 64 */
  maxDepth?: number;

  // ---- pool --------------------------------------------------------------------------
  /** Hard cap on sockets to the server, whatever they are used for. @default 10 */
  maxConnections?: number;
  /** Connections that carry ordinary (multiplexed) commands; the rest serve leases. @default 1 */
  sharedConnections?: number;
  /** Idle lease connections kept ready, dialled in the background after first use. @default 0 */
  minIdle?: number;
  /** Most idle lease connections kept; more are closed on release. @default maxConnections - sharedConnections */
  maxIdle?: number;
  /** Close a connection unused this long (shared ones re-dial on the next command). @default 300000 (ms) */
  idleTimeoutMs?: number;
  /** Retire a connection this long after it was opened; 0 disables. @default 1800000 (ms) */
  maxLifetimeMs?: number;
  /** Random amount taken off each connection's lifetime so they do not all retire at once. @default 2.5% of maxLifetimeMs (ms) */
  maxLifetimeJitterMs?: number;
  /** Longest wait for a lease (acquire, blocking commands, WATCH, pub/sub); 0 waits forever. @default 5000 (ms) */
  acquireTimeoutMs?: number;
  /**
   * Most `acquire()` calls (and blocking commands, `watch()`) waiting for a lease while every
   * lease connection is busy; one more rejects at once with ERR_QUEUE_FULL (reason
   * `pendingAcquires`). Without it the waiters were bounded only by rate × acquireTimeoutMs
   * (20,000 blocking commands a second against a frozen server, with the default 5 s
   * acquireTimeoutMs: up to 100,000 waiting). Each holds 0.8-1 KB of heap.
   * @default 1000
   */
  maxPendingAcquires?: number;
  /** Report a lease held longer than this, with the stack that acquired it; 0 disables. @default 0 (ms) */
  leakDetectionThresholdMs?: number;
  /** Which idle connection a lease gets: most recently used (lifo) or least (fifo, spreads use and reaps slower). @default "lifo" */
  idleOrder?: 'lifo' | 'fifo';

  // ---- queueing and reconnect ----------------------------------------------------------
  /**
   * Most commands waiting to be written (while dialling or reconnecting); more reject with
   * ERR_QUEUE_FULL. On a connected client commands are written as they come, so this bounds
   * an outage, not throughput. A burst larger than this before the first connection is ready
   * is rejected: `await client.connect()` at start-up avoids that. @default 3000
   */
  maxQueuedCommands?: number;
  /** Most bytes of commands waiting to be written. @default 4194304 (bytes, 4 MiB) */
  maxQueuedBytes?: number;
  /**
   * Most commands written and not yet answered on one connection. A server that stops
   * answering (DEBUG SLEEP, CLIENT PAUSE, a stalled network) then holds this many, not
   * everything the service issues meanwhile: further commands wait in the queue (bounded by
   * maxQueuedCommands) or, with `inFlightOverflow: 'reject'`, fail at once with ERR_QUEUE_FULL.
   * @default 1000
   */
  maxInFlightCommands?: number;
  /** Most estimated bytes of commands written and not yet answered on one connection. @default 4194304 (bytes, 4 MiB) */
  maxInFlightBytes?: number;
  /** Most commands in flight over all of the client's connections (shared and leased). @default 2 × maxInFlightCommands */
  maxClientInFlightCommands?: number;
  /** Most estimated bytes in flight over all of the client's connections. @default 2 × maxInFlightBytes (bytes) */
  maxClientInFlightBytes?: number;
  /** At an in-flight cap, a command waits in the queue ('queue') or fails at once with ERR_QUEUE_FULL ('reject'). @default "queue" */
  inFlightOverflow?: 'queue' | 'reject';
  /** Queue commands while reconnecting (until their deadline); false rejects them at once. @default true */
  offlineQueue?: boolean;
  /** First reconnect delay ceiling; doubles per attempt, with full jitter. @default 100 (ms) */
  reconnectBaseDelayMs?: number;
  /** Largest reconnect delay. @default 1000 (ms) */
  reconnectMaxDelayMs?: number;

  // ---- shutdown and outages -------------------------------------------------------------
  /**
   * How long `close()` (and `await using`) lets accepted commands finish. Past it every
   * connection is destroyed and each command still pending (a `blPop(key, 0)`, a reply that
   * never comes) rejects with ERR_CLIENT_CLOSED naming it. Per call: `close({ timeoutMs })`.
   * 0 waits for every reply, however long. The default equals the default commandTimeoutMs: by
   * then every ordinary command issued before close() has its reply or its timeout.
   * @default 5000 (ms)
   */
  closeTimeoutMs?: number;
  /**
   * Circuit breaker: after this many connects (dial, TLS, handshake) fail in a row, commands
   * and lease requests fail at once with ERR_CIRCUIT_OPEN (`cause`: the last connection error)
   * instead of waiting for their deadline, and what was queued fails too; a probe dials every
   * `circuitBreakerProbeIntervalMs` and the first connect that succeeds closes the circuit.
   * 0 turns it off. Off by default: with the offline queue, commands ride out a restart or a
   * failover of a few seconds and succeed; failing fast is a choice for services that would
   * rather answer an error at once than wait commandTimeoutMs. With the default backoff, 5
   * opens it about 1.5 s into an outage. @default 0
   */
  circuitBreakerThreshold?: number;
  /** While the circuit is open, one probe connect this often. @default 1000 (ms) */
  circuitBreakerProbeIntervalMs?: number;

  // ---- observability --------------------------------------------------------------------
  /**
   * Put the commands' arguments, sanitized, on the diagnostics_channel contexts
   * (`leanredis:command`, `leanredis:batch`; docs/observability.md). Off by default: an
   * observer sees command names only, never keys or values. `true` replaces every argument by
   * '?' (`SET ? ?`); a function returns what to show instead (it is called only while someone
   * observes, with the wire arguments; it must not keep them). @default false
   */
  observeArguments?: boolean | ArgumentsSanitizer;
  /**
   * Append the caller's stack frames to the stack of every error a command rejects with (a
   * ReplyError is made when the reply arrives, so otherwise its stack holds library frames
   * only). Costs a stack capture per command (docs/errors.md has the figures): for
   * development, or to find the call site of a rare error. @default false
   */
  captureCallerStack?: boolean;
}

/** Turns a command's wire arguments into what observers may see (see `observeArguments`). */
export type ArgumentsSanitizer = (command: string, args: readonly Arg[]) => readonly string[];

/** Options of a client whose bulk replies are Buffers: `createClient({ returnBuffers: true })`. */
export interface BufferClientOptions extends Omit<ClientOptions, 'returnBuffers'> {
  returnBuffers: true;
}

/** Options after defaults and validation; what the pool and connections use. */
export interface ResolvedOptions {
  commandTimeoutMs: number;
  returnBuffers: boolean;
  connection: ConnectionSettings;
  pool: PoolSettings;
  /** host:port or the socket path, for messages. */
  address: string;
  /** What observers learn about the client's commands (diagnostics_channel contexts). */
  destination: Destination;
  /** Sanitizes arguments for observers; undefined: they see none. */
  observeArguments: ArgumentsSanitizer | undefined;
  /** Errors carry the caller's frames. */
  captureCallerStack: boolean;
}

/**
 * The key of an internal option, not public API: a topology (leanredis/sentinel, bundled apart
 * and reaching the core only through its entry) passes it to `new Client(...)` so that the
 * client dials where the topology says and refuses servers it does not want. Symbol.for: the
 * subpath and the core agree on it without importing each other's private modules.
 */
export const TOPOLOGY = Symbol.for('leanredis.topology');

/** What a topology gives a client (see TOPOLOGY). Its functions are called unbound. */
export interface Topology {
  /** Before each dial (see ConnectionSettings.locate). */
  locate: (isRedial: boolean) => Promise<void> | undefined;
  /** After each handshake (see ConnectionSettings.verify). */
  verify: ConnectionSettings['verify'];
  /** Called once, by the client's constructor, with what the topology may do to the client. */
  attach: (handle: TopologyHandle) => void;
  /** What messages and observers name until the first setAddress (e.g. "sentinel:mymaster"), rather than the default 127.0.0.1:6379. */
  label?: string;
}

/** What a topology may do to the client it is attached to. */
export interface TopologyHandle {
  /** Points every later dial at host:port (messages and observers name it too). */
  setAddress(host: string, port: number): void;
  /** Drops every socket: see Pool.dropConnections. */
  dropConnections(error: Error): void;
  /**
   * Sends read-only commands (not blocking ones, not pipelines, transactions or leases) to the
   * client `pick` returns at each call (a replica's), or here when it returns undefined.
   */
  routeReads(pick: (() => object | undefined) | undefined): void;
}

/** Wires a topology into resolved options: connections locate and verify through it. */
export function applyTopology(resolved: ResolvedOptions, topology: Topology, control: Pick<TopologyHandle, 'dropConnections' | 'routeReads'>): void {
  const connection = resolved.connection;
  connection.locate = topology.locate;
  connection.verify = topology.verify;
  if (topology.label !== undefined) {
    resolved.address = resolved.pool.address = topology.label;
    Object.assign(resolved.destination, { address: topology.label, serverAddress: topology.label, serverPort: undefined });
  }
  topology.attach({
    setAddress(host, port) {
      const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      connection.host = host;
      connection.port = port;
      resolved.address = address;
      resolved.pool.address = address;
      // Observers read the destination (leanredis:command, :connect): one object, updated in place.
      Object.assign(resolved.destination, { address, serverAddress: host, serverPort: port });
    },
    dropConnections: control.dropConnections,
    routeReads: control.routeReads,
  });
}

/** `observeArguments: true`: every argument becomes '?'. */
const maskArguments: ArgumentsSanitizer = (_command, args) => args.map(() => '?');

const KNOWN = new Set<string>([
  'url', 'host', 'port', 'path', 'username', 'password', 'credentials', 'database', 'clientName', 'protocol', 'tls',
  'connectTimeoutMs', 'commandTimeoutMs', 'socketTimeoutMs', 'keepAliveMs', 'returnBuffers', 'maxBulkBytes',
  'maxAggregateLength', 'maxDepth', 'maxConnections', 'sharedConnections', 'minIdle', 'maxIdle', 'idleTimeoutMs',
  'maxLifetimeMs', 'maxLifetimeJitterMs', 'acquireTimeoutMs', 'maxPendingAcquires', 'leakDetectionThresholdMs', 'idleOrder', 'maxQueuedCommands',
  'maxQueuedBytes', 'offlineQueue', 'reconnectBaseDelayMs', 'reconnectMaxDelayMs', 'maxInFlightCommands', 'maxInFlightBytes',
  'maxClientInFlightCommands', 'maxClientInFlightBytes', 'inFlightOverflow', 'observeArguments', 'captureCallerStack',
  'closeTimeoutMs', 'circuitBreakerThreshold', 'circuitBreakerProbeIntervalMs',
]);

const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's limit
// Commands in flight per connection by default. A command in flight holds ~600 bytes of heap
// with its caller's promise: with maxQueuedCommands (3,000) a frozen server holds ~2.5 MB, not
// everything issued until it answers (issue 9: 72,200 commands, 46 MB at 20,000 GETs/s).
const DEFAULT_MAX_IN_FLIGHT = 1000;

function fail(message: string): never {
  throw new ArgumentError(`createClient: ${message}`);
}

export function integer(name: string, value: unknown, fallback: number, min: number, max: number, unit = ''): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`option "${name}" must be an integer from ${min} to ${max}${unit ? ` (${unit})` : ''}, got ${describe(value)}`);
  }
  return value;
}

function text(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(`option "${name}" must be a string, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return typeof value;
}

interface UrlParts {
  host?: string;
  port?: number;
  path?: string;
  username?: string;
  password?: string;
  database?: number;
  tls?: boolean;
}

/** Parses a Redis URL. Messages never include the URL itself (it may carry a password). */
export function parseUrl(url: string): UrlParts {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    fail('option "url" is not a valid URL (expected redis://host:port/db, rediss://... or unix:///path)');
  }
  const out: UrlParts = {};
  if (u.protocol === 'unix:' || u.protocol === 'redis+unix:') {
    out.path = decodeURIComponent(u.pathname);
  } else if (u.protocol === 'redis:' || u.protocol === 'rediss:') {
    if (u.hostname) out.host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    if (u.port) out.port = Number(u.port);
    if (u.protocol === 'rediss:') out.tls = true;
    const db = u.pathname.replace(/^\//, '');
    if (db) out.database = Number(db);
  } else {
    fail(`option "url" has unsupported scheme "${u.protocol}" (use redis:, rediss: or unix:)`);
  }
  if (u.username) out.username = decodeURIComponent(u.username);
  if (u.password) out.password = decodeURIComponent(u.password);
  const db = u.searchParams.get('db');
  if (db !== null) out.database = Number(db);
  if (out.database !== undefined && !Number.isInteger(out.database)) fail('option "url" has a database that is not an integer');
  return out;
}

/** Validates `input` and applies the defaults. `client` is what observers are told the commands belong to. */
export function resolveOptions(input: string | ClientOptions | BufferClientOptions | undefined, client: object = {}): ResolvedOptions {
  const options: Omit<ClientOptions, 'returnBuffers'> & { returnBuffers?: boolean } = typeof input === 'string' ? { url: input } : input ?? {};
  if (typeof options !== 'object' || options === null) fail('expected a URL string or an options object');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) fail(`unknown option "${key}"`);
    // null is never a default: say so rather than treat it as unset for some options only.
    if ((options as Record<string, unknown>)[key] === null) fail(`option "${key}" is null; omit it to use the default`);
  }
  const fromUrl = options.url !== undefined ? parseUrl(text('url', options.url)!) : {};
  const host = text('host', options.host) ?? fromUrl.host ?? '127.0.0.1';
  const path = text('path', options.path) ?? fromUrl.path;
  const port = integer('port', options.port ?? fromUrl.port, 6379, 1, 65535);
  const database = integer('database', options.database ?? fromUrl.database, 0, 0, 1_000_000);
  const protocol = options.protocol ?? 3;
  if (protocol !== 2 && protocol !== 3) fail(`option "protocol" must be 2 or 3, got ${describe(protocol)}`);
  const clientName = text('clientName', options.clientName);
  if (clientName !== undefined && !/^[!-~]+$/.test(clientName)) fail('option "clientName" must be printable ASCII without spaces');
  const username = text('username', options.username) ?? fromUrl.username;
  const password = text('password', options.password) ?? fromUrl.password;
  if (options.credentials !== undefined && typeof options.credentials !== 'function') fail('option "credentials" must be a function returning { username?, password }');
  let tlsOptions: TlsOptions | undefined;
  const tlsOption = options.tls ?? fromUrl.tls;
  if (tlsOption === true) tlsOptions = {};
  else if (tlsOption !== undefined && tlsOption !== false) {
    if (typeof tlsOption !== 'object' || tlsOption === null) fail('option "tls" must be a boolean or tls.connect options');
    tlsOptions = tlsOption;
  }
  for (const name of ['returnBuffers', 'offlineQueue', 'captureCallerStack'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') fail(`option "${name}" must be a boolean, got ${describe(options[name])}`);
  }

  // The password is captured by a closure, never stored as a property of anything inspectable.
  const staticCredentials: Credentials | undefined = password !== undefined ? { username, password } : undefined;
  const credentials = options.credentials ?? (staticCredentials !== undefined ? () => staticCredentials : undefined);

  const address = path ?? (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
  const destination: Destination = { address, serverAddress: path ?? host, serverPort: path === undefined ? port : undefined, database, client };
  const observeArguments = options.observeArguments;
  if (observeArguments !== undefined && typeof observeArguments !== 'boolean' && typeof observeArguments !== 'function') {
    fail(`option "observeArguments" must be true, false or a function (command, args) => string[], got ${describe(observeArguments)}`);
  }

  const connection: ConnectionSettings = {
    host,
    port,
    path,
    tls: tlsOptions,
    connectTimeoutMs: integer('connectTimeoutMs', options.connectTimeoutMs, 5000, 1, MAX_TIMER_MS, 'ms'),
    socketTimeoutMs: integer('socketTimeoutMs', options.socketTimeoutMs, 5000, 1, MAX_TIMER_MS, 'ms'),
    keepAliveMs: integer('keepAliveMs', options.keepAliveMs, 30_000, 0, MAX_TIMER_MS, 'ms'),
    protocol,
    database,
    clientName,
    credentials,
    returnBuffers: options.returnBuffers ?? false,
    limits: resolveLimits(options),
    reconnect: true,
    reconnectBaseDelayMs: integer('reconnectBaseDelayMs', options.reconnectBaseDelayMs, 100, 1, MAX_TIMER_MS, 'ms'),
    reconnectMaxDelayMs: integer('reconnectMaxDelayMs', options.reconnectMaxDelayMs, 1000, 1, MAX_TIMER_MS, 'ms'),
    offlineQueue: options.offlineQueue ?? true,
    maxInFlightCommands: integer('maxInFlightCommands', options.maxInFlightCommands, DEFAULT_MAX_IN_FLIGHT, 1, 2 ** 31 - 1),
    maxInFlightBytes: integer('maxInFlightBytes', options.maxInFlightBytes, 4 * 1024 * 1024, 1, 2 ** 48, 'bytes'),
    destination,
  };
  if (connection.reconnectMaxDelayMs < connection.reconnectBaseDelayMs) {
    fail(`option "reconnectMaxDelayMs" (${connection.reconnectMaxDelayMs}) must be at least "reconnectBaseDelayMs" (${connection.reconnectBaseDelayMs})`);
  }
  return {
    commandTimeoutMs: integer('commandTimeoutMs', options.commandTimeoutMs, 5000, 0, MAX_TIMER_MS, 'ms'),
    returnBuffers: connection.returnBuffers,
    connection,
    pool: resolvePool(options, connection, address),
    address,
    destination,
    observeArguments: observeArguments === true ? maskArguments : observeArguments === false ? undefined : observeArguments,
    captureCallerStack: options.captureCallerStack ?? false,
  };
}

function resolveLimits(options: Omit<ClientOptions, 'returnBuffers'>): Readonly<DecoderLimits> {
  // Lower bounds keep the handshake itself decodable (HELLO's reply is a map of 7 pairs
  // holding an array: 14 elements, 2 levels).
  const limits: DecoderLimits = {
    maxBulkBytes: integer('maxBulkBytes', options.maxBulkBytes, DEFAULT_DECODER_LIMITS.maxBulkBytes, 1024, 2 ** 32, 'bytes'),
    maxAggregateLength: integer('maxAggregateLength', options.maxAggregateLength, DEFAULT_DECODER_LIMITS.maxAggregateLength, 64, 2 ** 32),
    maxDepth: integer('maxDepth', options.maxDepth, DEFAULT_DECODER_LIMITS.maxDepth, 4, 1000),
    maxLineBytes: DEFAULT_DECODER_LIMITS.maxLineBytes,
  };
  // The defaults are one frozen object shared by every client and connection.
  const isDefault = limits.maxBulkBytes === DEFAULT_DECODER_LIMITS.maxBulkBytes && limits.maxAggregateLength === DEFAULT_DECODER_LIMITS.maxAggregateLength && limits.maxDepth === DEFAULT_DECODER_LIMITS.maxDepth;
  return isDefault ? DEFAULT_DECODER_LIMITS : limits;
}

function resolvePool(options: Omit<ClientOptions, 'returnBuffers'>, connection: ConnectionSettings, address: string): PoolSettings {
  const maxConnections = integer('maxConnections', options.maxConnections, 10, 1, 10_000);
  const sharedConnections = integer('sharedConnections', options.sharedConnections, 1, 1, maxConnections, `at most maxConnections`);
  const leaseCapacity = maxConnections - sharedConnections;
  const minIdle = integer('minIdle', options.minIdle, 0, 0, leaseCapacity, 'at most maxConnections - sharedConnections');
  const maxIdle = integer('maxIdle', options.maxIdle, leaseCapacity, 0, leaseCapacity, 'at most maxConnections - sharedConnections');
  if (minIdle > maxIdle) fail(`option "minIdle" (${minIdle}) must not exceed "maxIdle" (${maxIdle})`);
  const maxLifetimeMs = integer('maxLifetimeMs', options.maxLifetimeMs, 1_800_000, 0, MAX_TIMER_MS, 'ms');
  const maxLifetimeJitterMs = integer('maxLifetimeJitterMs', options.maxLifetimeJitterMs, Math.floor(maxLifetimeMs * 0.025), 0, maxLifetimeMs, 'ms, at most maxLifetimeMs');
  const idleTimeoutMs = integer('idleTimeoutMs', options.idleTimeoutMs, 300_000, 1, MAX_TIMER_MS, 'ms');
  const leakDetectionThresholdMs = integer('leakDetectionThresholdMs', options.leakDetectionThresholdMs, 0, 0, MAX_TIMER_MS, 'ms');
  const idleOrder = options.idleOrder ?? 'lifo';
  if (idleOrder !== 'lifo' && idleOrder !== 'fifo') fail(`option "idleOrder" must be "lifo" or "fifo", got ${describe(idleOrder)}`);
  const inFlightOverflow = options.inFlightOverflow ?? 'queue';
  if (inFlightOverflow !== 'queue' && inFlightOverflow !== 'reject') fail(`option "inFlightOverflow" must be "queue" or "reject", got ${describe(inFlightOverflow)}`);

  // Legal but probably not meant (HikariCP warns about the same combinations).
  if (leaseCapacity === 0) {
    warn('maxConnections equals sharedConnections: no connection is left for leases, so blocking commands, WATCH and subscriptions will fail with ERR_POOL_TIMEOUT');
  }
  if (maxLifetimeMs > 0 && idleTimeoutMs >= maxLifetimeMs) warn('idleTimeoutMs is not below maxLifetimeMs, so it never takes effect');
  if (maxLifetimeMs > 0 && maxLifetimeMs < 30_000) warn(`maxLifetimeMs is ${maxLifetimeMs} ms; under 30 s connections churn`);
  if (leakDetectionThresholdMs > 0 && leakDetectionThresholdMs < 2000) warn('leakDetectionThresholdMs under 2000 ms will report ordinary leases as leaks');

  return {
    address,
    connection,
    maxConnections,
    sharedConnections,
    minIdle,
    maxIdle,
    idleTimeoutMs,
    maxLifetimeMs,
    maxLifetimeJitterMs,
    acquireTimeoutMs: integer('acquireTimeoutMs', options.acquireTimeoutMs, 5000, 0, MAX_TIMER_MS, 'ms'),
    // A waiting client.acquire() holds its promises, resolvers, waiter record and timer:
    // 0.8-1 KB (test/integration/pending-acquires.test.ts), so 1,000 keep under 1 MB.
    maxPendingAcquires: integer('maxPendingAcquires', options.maxPendingAcquires, 1000, 1, 2 ** 31 - 1),
    leakDetectionThresholdMs,
    idleOrder,
    // ~600 bytes of heap per queued command (with its caller's promise): 3,000 keep an outage
    // under ~2 MB (issue 4's R4: at most 4 MB of heap growth through a 10 s outage at 5,000/s).
    maxQueuedCommands: integer('maxQueuedCommands', options.maxQueuedCommands, 3000, 1, 2 ** 31 - 1),
    maxQueuedBytes: integer('maxQueuedBytes', options.maxQueuedBytes, 4 * 1024 * 1024, 1, 2 ** 48, 'bytes'),
    maxClientInFlightCommands: integer('maxClientInFlightCommands', options.maxClientInFlightCommands, 2 * connection.maxInFlightCommands, 1, 2 ** 31 - 1),
    maxClientInFlightBytes: integer('maxClientInFlightBytes', options.maxClientInFlightBytes, 2 * connection.maxInFlightBytes, 1, 2 ** 49, 'bytes'),
    inFlightOverflow,
    closeTimeoutMs: integer('closeTimeoutMs', options.closeTimeoutMs, 5000, 0, MAX_TIMER_MS, 'ms'),
    circuitBreakerThreshold: integer('circuitBreakerThreshold', options.circuitBreakerThreshold, 0, 0, 1_000_000),
    circuitBreakerProbeIntervalMs: integer('circuitBreakerProbeIntervalMs', options.circuitBreakerProbeIntervalMs, 1000, 1, MAX_TIMER_MS, 'ms'),
  };
}

const warned = new Set<string>();

/** A configuration warning, emitted once per message through process warnings. */
function warn(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(`leanredis: ${message}`, { type: 'LeanRedisConfigWarning', code: 'LEANREDIS_CONFIG' });
}
