// @layer L0 internal
/**
 * diagnostics_channel names leanredis publishes on, and what each message carries. Publishing
 * is guarded by hasSubscribers and the message objects are built only then, so an unobserved
 * client pays a few property reads per command. docs/observability.md is the reference.
 *
 * Plain channels:
 *   leanredis:pool:ready      { address, connectionId }               a connection finished its handshake
 *   leanredis:pool:lost       { address, connectionId, error }        a socket was lost (it will reconnect if it has work)
 *   leanredis:pool:close      { address, connectionId, error? }       a connection closed for good
 *   leanredis:pool:leak       { address, connectionId, heldMs, stack } a lease outlived leakDetectionThresholdMs
 *   leanredis:command:end     CommandContext                          a command settled, whatever path sent it
 *   leanredis:command:rejected { address, connectionId, command, reason } a cap rejected a command at once (ERR_QUEUE_FULL);
 *                             connectionId is undefined for reason 'pendingAcquires' (no connection was involved)
 *   leanredis:pool:backpressure { address, connectionId, hold, heldMs, inFlight, inFlightBytes, queuedCommands, writeBufferedBytes }
 *                             a connection stopped writing (hold: 'socket' | 'inFlightCommands' | 'inFlightBytes') or
 *                             resumed (hold: 'none', heldMs: how long it was held)
 *
 * Tracing channels (`tracing:<name>:start|end|asyncStart|asyncEnd|error`, the shape of
 * diagnostics_channel.tracingChannel(name)), one context object per operation:
 *   leanredis:command   CommandContext   every command: client, with(), lease, blocking, watch body, pipelines, transactions, pub/sub
 *   leanredis:batch     BatchContext     a pipeline or transaction sent with exec()/execSettled()
 *   leanredis:connect   ConnectContext   one dial and handshake of a connection (first connect or reconnect)
 */
import { nowMs } from './clock.js';
import type { Channel } from 'node:diagnostics_channel';
import { lazyDiagnostics } from './builtins.js';

/** The five channels of a tracing channel, as diagnostics_channel.tracingChannel names them. */
export interface TracingChannels {
  readonly start: Channel;
  readonly end: Channel;
  readonly asyncStart: Channel;
  readonly asyncEnd: Channel;
  readonly error: Channel;
}

export interface Channels {
  poolReady: Channel;
  poolLost: Channel;
  poolClose: Channel;
  poolLeak: Channel;
  commandEnd: Channel;
  commandRejected: Channel;
  poolBackpressure: Channel;
  command: TracingChannels;
  batch: TracingChannels;
  connect: TracingChannels;
}

/** Where a command or connection goes, and whose it is: the fields every context shares. */
export interface Destination {
  /** `host:port` or the socket path, as in error messages and `leanredis:pool:*`. */
  readonly address: string;
  /** Host name or IP the client dials, or the Unix socket path. */
  readonly serverAddress: string;
  /** TCP port; undefined for a Unix socket. */
  readonly serverPort: number | undefined;
  /** Database index the client selects (a lease that ran SELECT itself is not followed). */
  readonly database: number;
  /** The Client the operation belongs to (for labels: compare by identity, or read its `clientId`). */
  readonly client: object;
}

/** The context of one command on `leanredis:command` (and the message of `leanredis:command:end`). */
export interface CommandContext extends Destination {
  /** The command's name, upper case, as errors name it: 'GET', 'CLIENT KILL'; for call(), its first token. Never its arguments. */
  readonly command: string;
  /**
   * The arguments, sanitized, only when the client opted in (`observeArguments`): by default
   * every argument is '?' (`SET ? ?`); a function given as the option decides instead.
   */
  readonly args: readonly string[] | undefined;
  /** The pool's id of the connection it was sent on; undefined until known (waiting for a lease) or when it never left. */
  connectionId: number | undefined;
  /** The batch it belongs to, for a command of a pipeline or transaction. */
  readonly batch: BatchContext | undefined;
  /**
   * Milliseconds from the call to its outcome, set when it settles. A reply's outcome is when
   * the chunk of socket data carrying it settled its first reply (replies read together share
   * that moment: src/internal/reply-clock.ts).
   */
  durationMs: number;
  /** The error it failed with (set before `error` is published); undefined on success. */
  error: unknown;
  /**
   * Set when the command got an error reply that the client answered with another command
   * instead of failing the call: 'NOSCRIPT' on the EVALSHA of `eval()` (the server did not have
   * the script), which EVAL follows with its own context. Such a command is not a failure:
   * `error` stays undefined and no `error` event is published. Count these to count fallbacks.
   */
  fallback: string | undefined;
}

/** The context of one pipeline or transaction on `leanredis:batch`. */
export interface BatchContext extends Destination {
  /** 'PIPELINE' or 'MULTI' (a MULTI/EXEC transaction, watch() included). */
  readonly batchMode: 'PIPELINE' | 'MULTI';
  /** Commands the caller queued (MULTI and EXEC not counted). */
  readonly batchSize: number;
  /** Their names, in order. */
  readonly commands: readonly string[];
  /** Sanitized arguments per command, only with `observeArguments` (see CommandContext.args). */
  readonly args: readonly (readonly string[])[] | undefined;
  connectionId: number | undefined;
  durationMs: number;
  /** What exec() rejects with (a transport error, a PipelineError, EXECABORT); undefined if it resolves. */
  error: unknown;
}

/** The context of one dial and handshake on `leanredis:connect`. */
export interface ConnectContext extends Destination {
  readonly connectionId: number;
  /** Whether the socket is TLS. */
  readonly tls: boolean;
  /** 0 for a connection's first dial, then 1, 2... for each reconnect attempt. */
  readonly attempt: number;
  durationMs: number;
  error: unknown;
}

let cached: Channels | undefined;

function tracing(name: string): TracingChannels {
  const dc = lazyDiagnostics();
  return {
    start: dc.channel(`tracing:${name}:start`),
    end: dc.channel(`tracing:${name}:end`),
    asyncStart: dc.channel(`tracing:${name}:asyncStart`),
    asyncEnd: dc.channel(`tracing:${name}:asyncEnd`),
    error: dc.channel(`tracing:${name}:error`),
  };
}

/** The channels, created on first use (node:net loads diagnostics_channel anyway once we dial). */
export function channels(): Channels {
  if (cached !== undefined) return cached;
  const dc = lazyDiagnostics();
  cached = {
    poolReady: dc.channel('leanredis:pool:ready'),
    poolLost: dc.channel('leanredis:pool:lost'),
    poolClose: dc.channel('leanredis:pool:close'),
    poolLeak: dc.channel('leanredis:pool:leak'),
    commandEnd: dc.channel('leanredis:command:end'),
    commandRejected: dc.channel('leanredis:command:rejected'),
    poolBackpressure: dc.channel('leanredis:pool:backpressure'),
    command: tracing('leanredis:command'),
    batch: tracing('leanredis:batch'),
    connect: tracing('leanredis:connect'),
  };
  return cached;
}

/** Every channel above, flat (tests watch them all). */
export function allChannels(): Channel[] {
  const c = channels();
  const flat: Channel[] = [c.poolReady, c.poolLost, c.poolClose, c.poolLeak, c.commandEnd, c.commandRejected, c.poolBackpressure];
  for (const t of [c.command, c.batch, c.connect]) flat.push(t.start, t.end, t.asyncStart, t.asyncEnd, t.error);
  return flat;
}

/** Whether anyone listens to a tracing channel. */
export function isTraced(t: TracingChannels): boolean {
  return t.start.hasSubscribers || t.end.hasSubscribers || t.asyncStart.hasSubscribers || t.asyncEnd.hasSubscribers || t.error.hasSubscribers;
}

/** Whether anyone observes commands (`leanredis:command` or `leanredis:command:end`). */
export function isCommandObserved(): boolean {
  const c = channels();
  return c.commandEnd.hasSubscribers || isTraced(c.command);
}

/** Whether anyone observes batches (they are observed per command too). */
export function isBatchObserved(): boolean {
  return isCommandObserved() || isTraced(channels().batch);
}

/**
 * Publishes a settled operation as a tracing channel does for a promise: `error` (on failure),
 * then `asyncStart` and `asyncEnd`. `start` and `end` were published when it began; `endedAt`
 * (performance.now() time, default now) is when it settled.
 */
export function publishSettled(t: TracingChannels, context: { error: unknown; durationMs: number }, startedAt: number, error: unknown, endedAt = nowMs()): void {
  context.durationMs = endedAt - startedAt;
  if (error !== undefined) {
    context.error = error;
    if (t.error.hasSubscribers) t.error.publish(context);
  }
  if (t.asyncStart.hasSubscribers) t.asyncStart.publish(context);
  if (t.asyncEnd.hasSubscribers) t.asyncEnd.publish(context);
}
