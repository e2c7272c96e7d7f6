// @layer L3 connection
/** Helpers of Connection that need none of its state: dialling, reply classification, deadline scans. */
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { lazyNet, lazyTls } from '../internal/builtins.js';
import { ClientClosedError, CommandTimeoutError, ConnectionError } from '../errors.js';
import type { RingQueue } from '../internal/ring-queue.js';
import { NO_DEADLINE, type CommandSpec, type PendingCommand } from './pending-command.js';
import { encodeName } from '../resp/encoder.js';

/** Opens a TCP, TLS or Unix socket. SNI comes from the host name, never from an IP literal. */
export function openSocket(s: { host: string; port: number; path: string | undefined; tls: tls.ConnectionOptions | undefined }): net.Socket {
  const net = lazyNet();
  if (s.tls !== undefined) {
    const servername = s.tls.servername ?? (s.path === undefined && net.isIP(s.host) === 0 ? s.host : undefined);
    return lazyTls().connect({ ...s.tls, host: s.host, port: s.port, path: s.path, servername });
  }
  return s.path !== undefined ? net.connect({ path: s.path }) : net.connect({ host: s.host, port: s.port });
}

/** Where a connection goes, as errors name it: the Unix socket path or host:port. */
export function where(s: { host: string; port: number; path: string | undefined }): string {
  return s.path ?? `${s.host}:${s.port}`;
}

const PUBSUB_KINDS = new Set(['message', 'pmessage', 'smessage', 'subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe']);

/** A RESP2 pub/sub frame: an array whose first element names a message or (un)subscribe confirmation. */
export function isPubSubFrame(reply: unknown): boolean {
  if (!Array.isArray(reply) || reply.length < 3) return false;
  const kind = reply[0];
  return PUBSUB_KINDS.has(typeof kind === 'string' ? kind : Buffer.isBuffer(kind) ? kind.toString('latin1') : '');
}

/** The error for a command sent to a closed connection: a lease whose socket died says so. */
export function closedError(lost: Error | undefined, where: string, command: string): Error {
  if (lost === undefined || lost instanceof ClientClosedError) return new ClientClosedError('the connection is closed', command);
  return new ConnectionError('ERR_CONNECTION_LOST', `the connection to ${where} was lost`, { cause: lost, command });
}

/** TLS verification failures: the same certificate will fail the same way on every retry. */
const PERMANENT_TLS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT|HOSTNAME_MISMATCH/;

/** A dial error that retrying cannot fix (certificate verification); queued commands fail at once. */
export function isPermanentDialError(error: Error): boolean {
  const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && PERMANENT_TLS.test(code);
}

export function lostAfterWrite(cmd: PendingCommand, cause: Error): Error {
  return new ConnectionError('ERR_CONNECTION_LOST_AFTER_WRITE', `connection lost after ${cmd.name} was written; it may have executed`, {
    cause,
    command: cmd.name,
  });
}

/**
 * Fails every command past its deadline. Queued ones were never written: they (and queued
 * commands settled otherwise, e.g. aborted) leave the queue at once, giving back their slot and
 * memory even while no socket is there to flush it. Written ones keep their slot in `inFlight`
 * until their reply is read. Returns the earliest remaining deadline and the deadline of the
 * oldest overdue written command (NO_DEADLINE when none).
 * `held` commands (answered LOADING, sent again later) expire like queued ones. `unreachable`:
 * the connection error that kept the queue unwritten (an outage), the cause of their timeouts.
 */
export function expireCommands(
  queue: RingQueue<PendingCommand>,
  inFlight: RingQueue<PendingCommand>,
  now: number,
  held: readonly PendingCommand[] = [],
  unreachable?: Error,
): { next: number; oldestOverdue: number } {
  let next = NO_DEADLINE;
  queue.retain((cmd) => {
    if (!cmd.isSettled && cmd.deadline !== NO_DEADLINE && cmd.deadline <= now) cmd.fail(new CommandTimeoutError(cmd.name, cmd.timeoutMs, false, unreachable));
    if (cmd.isSettled) return false;
    if (cmd.deadline < next) next = cmd.deadline;
    return true;
  });
  let oldestOverdue = NO_DEADLINE;
  for (const cmd of inFlight) {
    if (cmd.deadline === NO_DEADLINE) continue;
    if (cmd.deadline <= now) {
      if (cmd.deadline < oldestOverdue) oldestOverdue = cmd.deadline;
      cmd.fail(new CommandTimeoutError(cmd.name, cmd.timeoutMs, true));
    } else if (!cmd.isSettled && cmd.deadline < next) next = cmd.deadline;
  }
  // Commands held back (answered LOADING: they did not run) wait outside both queues.
  for (const cmd of held) {
    if (cmd.isSettled || cmd.deadline === NO_DEADLINE) continue;
    if (cmd.deadline <= now) cmd.fail(new CommandTimeoutError(cmd.name, cmd.timeoutMs, false));
    else if (cmd.deadline < next) next = cmd.deadline;
  }
  return { next, oldestOverdue };
}

const internalSpecs = new Map<string, CommandSpec>();

/** Specs of the handshake commands (HELLO, AUTH, CLIENT, SELECT), encoded once. */
export function internalSpec(name: string): CommandSpec {
  let spec = internalSpecs.get(name);
  if (spec === undefined) internalSpecs.set(name, (spec = { name, prefix: encodeName([name]), tokens: 1, transform: undefined }));
  return spec;
}

/** Writes an encoded batch (corked when it is several chunks); returns the bytes written. */
export function writeChunks(socket: net.Socket, chunks: Buffer[]): number {
  if (chunks.length === 1) {
    socket.write(chunks[0]);
    return chunks[0].length;
  }
  let bytes = 0;
  socket.cork();
  for (const c of chunks) {
    bytes += c.length;
    socket.write(c);
  }
  socket.uncork();
  return bytes;
}

/**
 * Empties a connection's in-flight FIFO after its socket is gone: settles each command with the
 * error `decide` gives it, or hands it back (`decide` returned undefined) to be queued again.
 * Handshake commands always fail: the next socket runs its own handshake.
 */
export function settleInFlight(inFlight: RingQueue<PendingCommand>, decide: (cmd: PendingCommand) => Error | undefined): PendingCommand[] {
  const kept: PendingCommand[] = [];
  for (const cmd of inFlight.drain()) {
    if (cmd.isSettled) continue;
    if (cmd.isInternal) {
      cmd.fail(new ConnectionError('ERR_CONNECTION_LOST', 'connection lost during the handshake'));
      continue;
    }
    const error = decide(cmd);
    if (error === undefined) {
      cmd.markQueued();
      kept.push(cmd);
    } else cmd.fail(error);
  }
  return kept;
}
