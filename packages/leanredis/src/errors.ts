// @layer L0 errors
/**
 * Every error leanredis raises or rejects with. Callers branch on `code`, which is stable and
 * listed in docs/errors.md; messages may improve between versions. Errors name the command
 * (`command`), never its arguments: a key, a value or a password must not leak into logs.
 */

/** Stable codes of errors raised by leanredis itself (server errors use the server's prefix). */
export type ErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_CONNECTION_FAILED'
  | 'ERR_CONNECTION_LOST'
  | 'ERR_CONNECTION_LOST_AFTER_WRITE'
  | 'ERR_SOCKET_TIMEOUT'
  | 'ERR_CONNECT_TIMEOUT'
  | 'ERR_CIRCUIT_OPEN'
  | 'ERR_PROTOCOL'
  | 'ERR_COMMAND_TIMEOUT'
  | 'ABORT_ERR'
  | 'ERR_CLIENT_CLOSED'
  | 'ERR_POOL_TIMEOUT'
  | 'ERR_QUEUE_FULL'
  | 'ERR_LEASE_RELEASED'
  | 'ERR_PIPELINE'
  | 'ERR_WATCH_CONFLICT'
  | SentinelErrorCode
  | 'ERR_CROSS_SLOT'
  | 'ERR_CLUSTER_REDIRECTIONS'
  | 'ERR_CLUSTER_TOPOLOGY';

// A brand per class on the prototypes, read by Symbol.hasInstance: `err instanceof ReplyError`
// stays true even when a second copy of this module exists (a test runner's module registry, a
// require hook that re-compiles ESM, two installed copies of the package), because the brands
// are registered symbols shared by every copy. The brand symbol is cached on each class.
const BRAND = Symbol('leanredis.brand');
const brandOf = (name: string): symbol => Symbol.for(`leanredis.error.${name}`);

/** Base class of every leanredis error. */
export class LeanRedisError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    // A class of ours has its own brand; a user's subclass does not: the prototype chain decides.
    if (!Object.hasOwn(this, BRAND)) return Function.prototype[Symbol.hasInstance].call(this, value);
    return (value as Record<symbol, unknown>)[(this as unknown as Record<symbol, symbol>)[BRAND]] === true;
  }

  /** Stable machine-readable code; see docs/errors.md. */
  readonly code: string;
  /** Name of the command that failed (upper case), when the error belongs to one. */
  command: string | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; command?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.command = options?.command;
  }
}

/** A bad option (thrown by `createClient`) or a bad command argument (thrown synchronously). */
export class ArgumentError extends LeanRedisError {
  constructor(message: string, code: 'ERR_INVALID_OPTION' | 'ERR_INVALID_ARGUMENT' = 'ERR_INVALID_OPTION') {
    super(code, message);
  }
}

/**
 * The connection failed or was lost. `code` says whether a command may have run:
 * ERR_CONNECTION_LOST_AFTER_WRITE means it was written and may have executed on the server.
 */
export class ConnectionError extends LeanRedisError {
  constructor(
    code: 'ERR_CONNECTION_FAILED' | 'ERR_CONNECTION_LOST' | 'ERR_CONNECTION_LOST_AFTER_WRITE' | 'ERR_SOCKET_TIMEOUT' | 'ERR_CONNECT_TIMEOUT' | 'ERR_CIRCUIT_OPEN',
    message: string,
    options?: { cause?: unknown; command?: string },
  ) {
    super(code, message, options);
  }
}

/** Dialling (TCP, TLS and the handshake) took longer than `connectTimeoutMs`. */
export class ConnectTimeoutError extends ConnectionError {
  constructor(message: string) {
    super('ERR_CONNECT_TIMEOUT', message);
  }
}

/**
 * The circuit breaker is open (`circuitBreakerThreshold` connects failed in a row): the command
 * was refused at once, never queued nor written. `cause` is the last connection error (e.g.
 * ECONNREFUSED). The pool keeps probing every `circuitBreakerProbeIntervalMs`; the first
 * connect that succeeds closes the circuit.
 */
export class CircuitOpenError extends ConnectionError {
  constructor(message: string, cause: Error | undefined, command?: string) {
    super('ERR_CIRCUIT_OPEN', message, { cause, command });
  }
}

/** The server sent bytes that are not valid RESP, or that break a decoder limit. The connection is destroyed. */
export class ProtocolError extends LeanRedisError {
  constructor(message: string) {
    super('ERR_PROTOCOL', message);
  }
}

/**
 * A command's deadline (`commandTimeoutMs` or the per-call `timeoutMs`) passed. When it expired
 * unwritten because the server could not be reached, `cause` is the last connection error
 * (e.g. ECONNREFUSED, ERR_CONNECT_TIMEOUT) and the message says so.
 */
export class CommandTimeoutError extends LeanRedisError {
  /** Whether the command had been written to the socket (and so may have executed). */
  readonly wasWritten: boolean;
  constructor(command: string, timeoutMs: number, wasWritten: boolean, unreachable?: Error) {
    const why = unreachable === undefined ? '' : `: the server could not be reached (${unreachable.message})`;
    super('ERR_COMMAND_TIMEOUT', `${command} timed out after ${timeoutMs} ms${wasWritten ? ' (written; it may have executed)' : ' (never written)'}${why}`, { command, cause: unreachable });
    this.wasWritten = wasWritten;
  }
}

/** The caller's AbortSignal fired. Named like the DOM error so `err.name === 'AbortError'` works. */
export class AbortError extends LeanRedisError {
  constructor(command: string | undefined, cause?: unknown) {
    super('ABORT_ERR', command ? `${command} was aborted` : 'the operation was aborted', { cause, command });
  }
}

/** The client (or lease) was closed or destroyed before the command could complete. */
export class ClientClosedError extends LeanRedisError {
  constructor(message = 'the client is closed', command?: string) {
    super('ERR_CLIENT_CLOSED', message, { command });
  }
}

/** No connection became free within `acquireTimeoutMs`. The message says which server, how many waiters and holders. */
export class PoolTimeoutError extends LeanRedisError {
  constructor(message: string) {
    super('ERR_POOL_TIMEOUT', message);
  }
}

/** Which cap a command met when it was rejected at once with ERR_QUEUE_FULL. */
export type QueueFullReason = 'queuedCommands' | 'queuedBytes' | 'inFlightCommands' | 'inFlightBytes' | 'pendingAcquires';

/**
 * A cap was reached, so the command was rejected at once rather than buffered: the queue is at
 * `maxQueuedCommands` or `maxQueuedBytes`, or (with `inFlightOverflow: 'reject'`) what is in
 * flight is at `maxInFlightCommands`/`maxInFlightBytes` or their client-wide versions, or
 * `maxPendingAcquires` calls already wait for a lease. `reason` names the cap; the command was
 * never written.
 */
export class QueueFullError extends LeanRedisError {
  readonly reason: QueueFullReason;
  constructor(message: string, command?: string, reason: QueueFullReason = 'queuedCommands') {
    super('ERR_QUEUE_FULL', message, { command });
    this.reason = reason;
  }
}

/** A lease was used after it was released or disposed. */
export class LeaseReleasedError extends LeanRedisError {
  constructor(command?: string) {
    super('ERR_LEASE_RELEASED', 'this connection lease was already released', { command });
  }
}

/**
 * Some commands of a pipeline or transaction got error replies. `results` holds every reply
 * in order, with the failed ones as their ReplyError (what `execSettled()` resolves with).
 */
export class PipelineError extends LeanRedisError {
  readonly results: unknown[];
  readonly errors: LeanRedisError[];
  constructor(results: unknown[], errors: LeanRedisError[]) {
    const first = errors[0];
    super('ERR_PIPELINE', `${errors.length} of ${results.length} commands failed; first: ${first.command ?? 'command'}: ${first.message}`);
    this.results = results;
    this.errors = errors;
  }
}

/**
 * `watch()` gave up: a watched key changed between WATCH and EXEC on every attempt (the first
 * and `retries` more), so the server aborted each EXEC and nothing was committed. Not raised
 * when the body gives up (returns undefined): watch() then resolves null.
 */
export class WatchConflictError extends LeanRedisError {
  /** How many times the body ran and its transaction was aborted (`retries` + 1). */
  readonly attempts: number;
  constructor(attempts: number) {
    super('ERR_WATCH_CONFLICT', `watch: a watched key changed before EXEC on ${attempts === 1 ? 'the only attempt' : `each of ${attempts} attempts`}; nothing was committed`, { command: 'EXEC' });
    this.attempts = attempts;
  }
}

/** Codes of SentinelError. */
export type SentinelErrorCode = 'ERR_SENTINEL_UNREACHABLE' | 'ERR_SENTINEL_MASTER_UNKNOWN' | 'ERR_SENTINEL_NOT_MASTER' | 'ERR_SENTINEL_NO_REPLICA';

/**
 * leanredis/sentinel could not find a server to use: no sentinel answered
 * (ERR_SENTINEL_UNREACHABLE), the sentinels answered but none knows the master's name
 * (ERR_SENTINEL_MASTER_UNKNOWN), the address they gave says it is a replica
 * (ERR_SENTINEL_NOT_MASTER: a failover is under way; the client asks again), or no replica is
 * usable for `readFrom: 'replica'` (ERR_SENTINEL_NO_REPLICA).
 */
export class SentinelError extends LeanRedisError {
  constructor(code: SentinelErrorCode, message: string, options?: { cause?: unknown; command?: string }) {
    super(code, message, options);
  }
}

/** Why a cluster client refused or gave up on a command (docs/cluster.md). */
export type ClusterErrorCode = 'ERR_CROSS_SLOT' | 'ERR_CLUSTER_REDIRECTIONS' | 'ERR_CLUSTER_TOPOLOGY';

/**
 * A cluster client's own error: ERR_CROSS_SLOT (the keys of one command, transaction or WATCH
 * hash to different slots; thrown before anything is sent), ERR_CLUSTER_REDIRECTIONS (more than
 * `maxRedirections` MOVED/ASK/TRYAGAIN/CLUSTERDOWN answers; the last one is the `cause`) or
 * ERR_CLUSTER_TOPOLOGY (no node could tell the slot map, or no node serves the slot).
 */
export class ClusterError extends LeanRedisError {
  constructor(code: ClusterErrorCode, message: string, options?: { cause?: unknown; command?: string }) {
    super(code, message, options);
  }
}

// Redis echoes arguments back in some error texts; they may be secrets (a password given to
// ACL SETUSER without its '>' is echoed as a bad modifier), so they are cut before the message
// can reach a log: the tail of an unknown command's error, and quoted modifiers, subcommands
// and option names.
const ECHOED_ARGS = /, with args beginning with: .*$/s;
const ECHOED_QUOTED = /((?:modifier|subcommand|option|argument|rule|user(?:name)?) )'[^']*'/gi;

/**
 * An error reply from the server. `code` is its prefix (WRONGTYPE, NOSCRIPT, MOVED, ...).
 * Inside a pipeline or transaction it is a value in the result array, not a rejection.
 */
export class ReplyError extends LeanRedisError {
  constructor(line: string, command?: string) {
    const space = line.indexOf(' ');
    const prefix = space > 0 ? line.slice(0, space) : line;
    // Server prefixes are upper-case words; anything else (a hostile or odd server) maps to ERR.
    const code = /^[A-Z][A-Z0-9_-]{0,31}$/.test(prefix) ? prefix : 'ERR';
    super(code, line.replace(ECHOED_ARGS, ', with args beginning with: (redacted)').replace(ECHOED_QUOTED, "$1'(redacted)'"), { command });
  }
}

// Names are set explicitly (on the class and its instances): the published bundle is
// minified, so the bundler's class names are not kept.
for (const [cls, name] of [
  [LeanRedisError, 'LeanRedisError'],
  [ArgumentError, 'ArgumentError'],
  [ConnectionError, 'ConnectionError'],
  [ConnectTimeoutError, 'ConnectTimeoutError'],
  [CircuitOpenError, 'CircuitOpenError'],
  [ProtocolError, 'ProtocolError'],
  [CommandTimeoutError, 'CommandTimeoutError'],
  [AbortError, 'AbortError'],
  [ClientClosedError, 'ClientClosedError'],
  [PoolTimeoutError, 'PoolTimeoutError'],
  [QueueFullError, 'QueueFullError'],
  [LeaseReleasedError, 'LeaseReleasedError'],
  [PipelineError, 'PipelineError'],
  [WatchConflictError, 'WatchConflictError'],
  [ClusterError, 'ClusterError'],
  [ReplyError, 'ReplyError'],
  [SentinelError, 'SentinelError'],
] as const) {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(cls, 'name', { value: name, configurable: true });
  Object.defineProperty(cls.prototype, brandOf(name), { value: true });
  Object.defineProperty(cls, BRAND, { value: brandOf(name) });
}

/** Whether `value` is a leanredis error with the given code. */
export function hasCode(value: unknown, code: string): boolean {
  return value instanceof LeanRedisError && value.code === code;
}
