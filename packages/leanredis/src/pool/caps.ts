// @layer L4 pool
/**
 * Admission: whether a connection may accept more commands under the queue caps and, with
 * `inFlightOverflow: 'reject'`, the in-flight caps; and the message of the ERR_QUEUE_FULL that
 * says which cap and by how much. Pure functions of the connection's gauges and the settings.
 */
import type { QueueFullReason } from '../errors.js';
import type { InFlightBudget } from '../connection/in-flight-budget.js';
import type { PooledConnection, PoolSettings } from './settings.js';

/**
 * The cap that accepting `count` commands of `bytes` in all on `conn` would break, or
 * undefined. The queue caps bound what accumulates across ticks (`conn.backlogCount`: on a
 * ready connection, what earlier ticks left queued): what a caller issues in one synchronous
 * run is its own memory already and is written as fast as the in-flight caps allow, and a
 * request that finds no backlog is never refused for its own size (a pipeline or a value
 * larger than a cap waits alone rather than failing forever). With inFlightOverflow
 * 'reject', what is queued or in flight counts against the in-flight caps at once.
 */
export function overCap(conn: PooledConnection, count: number, bytes: number, s: PoolSettings, budget: InFlightBudget): QueueFullReason | undefined {
  const backlog = conn.backlogCount;
  if (backlog > 0) {
    if (backlog + count > s.maxQueuedCommands) return 'queuedCommands';
    if (conn.backlogBytes + bytes > s.maxQueuedBytes) return 'queuedBytes';
  }
  if (s.inFlightOverflow === 'reject') {
    // What is queued now is written at the end of this tick: it counts as in flight.
    const queued = conn.queuedCount;
    const ahead = conn.inFlightCount + queued;
    if (ahead > 0) {
      const c = s.connection;
      if (ahead + count > c.maxInFlightCommands) return 'inFlightCommands';
      if (conn.inFlightBytes + conn.queuedBytes + bytes > c.maxInFlightBytes) return 'inFlightBytes';
    }
    if (budget.commands + queued > 0) {
      if (budget.commands + queued + count > budget.maxCommands) return 'inFlightCommands';
      if (budget.bytes + conn.queuedBytes + bytes > budget.maxBytes) return 'inFlightBytes';
    }
  }
  return undefined;
}

/** What ERR_QUEUE_FULL says: the cap met, the figures against it, and the options that set it. */
export function queueFullMessage(conn: PooledConnection, reason: QueueFullReason, s: PoolSettings, budget: InFlightBudget): string {
  if (reason === 'queuedCommands' || reason === 'queuedBytes') {
    return (
      `command queue for ${s.address} is full (${conn.queuedCount} commands, ${conn.queuedBytes} bytes queued; ` +
      `maxQueuedCommands ${s.maxQueuedCommands}, maxQueuedBytes ${s.maxQueuedBytes})`
    );
  }
  const c = s.connection;
  return (
    `too much in flight to ${s.address} and inFlightOverflow is 'reject' (${conn.inFlightCount} commands, ${conn.inFlightBytes} bytes in flight on ` +
    `the connection, ${budget.commands} and ${budget.bytes} on the client; maxInFlightCommands ${c.maxInFlightCommands}, ` +
    `maxInFlightBytes ${c.maxInFlightBytes}, maxClientInFlightCommands ${budget.maxCommands}, maxClientInFlightBytes ${budget.maxBytes})`
  );
}

/** What ERR_QUEUE_FULL says when maxPendingAcquires calls already wait for a lease. */
export function pendingAcquiresMessage(waiting: number, leased: number, s: PoolSettings): string {
  return (
    `${waiting} acquire() calls already wait for a connection to ${s.address} (maxPendingAcquires ${s.maxPendingAcquires}; ` +
    `${leased} of ${s.maxConnections - s.sharedConnections} lease connections in use, maxConnections ${s.maxConnections}): ` +
    `leases are held too long or the server is slow; release leases sooner, or raise maxConnections or maxPendingAcquires`
  );
}
