// @layer L4 pool
/**
 * Pool statistics: counters kept by the pool, and the plain snapshot `client.stats()`
 * returns. The fields include go-redis PoolStats (hits, misses, timeouts, waitCount,
 * waitDurationMs, totalConns, idleConns, staleConns, pendingRequests).
 */
import type { QueueFullReason } from '../errors.js';
import type { WriteHold } from '../connection/in-flight-budget.js';

/** A point-in-time snapshot of a client's pool. Plain data: safe to log or serialize. */
export interface PoolStats {
  /** Leases served by an idle connection. */
  hits: number;
  /** Leases that needed a new connection. */
  misses: number;
  /** Lease requests that failed with ERR_POOL_TIMEOUT. */
  timeouts: number;
  /** Lease requests that had to wait for a connection. */
  waitCount: number;
  /** Total time lease requests spent waiting (ms). */
  waitDurationMs: number;
  /** Sockets open or being dialled now, whatever their use. Never above maxConnections. */
  totalConns: number;
  /** Exclusive connections idle in the pool. */
  idleConns: number;
  /** Connections closed for idle timeout, max lifetime or a dead socket found while idle. */
  staleConns: number;
  /** Lease requests waiting now. */
  pendingRequests: number;
  /** Shared (multiplexed) connections. */
  sharedConns: number;
  /** Connections leased now (acquire, blocking commands, WATCH, pub/sub). */
  leased: number;
  /** Exclusive connections being dialled. */
  dialling: number;
  /** Connections closing: their socket is still open, so they count in totalConns and against maxConnections until it is gone. */
  closing: number;
  /** Commands written and awaiting replies, on every connection (timed-out ones whose reply is still due included). */
  inFlight: number;
  /** Estimated bytes of the commands in flight. */
  inFlightBytes: number;
  /** The highest `inFlight` and `inFlightBytes` since the client was created. */
  inFlightPeak: number;
  inFlightBytesPeak: number;
  /** Bytes written to sockets that Node still buffers (the kernel has not taken them yet). */
  writeBufferedBytes: number;
  /** Commands rejected at once with ERR_QUEUE_FULL since the client was created, by the cap they met. */
  rejected: Record<QueueFullReason, number>;
  /**
   * Times a connection stopped writing, by why: `socket` (Node's socket buffer past its
   * high-water mark, until 'drain'), `inFlightCommands` / `inFlightBytes` (an in-flight cap,
   * until replies make room). Commands wait in the bounded queue meanwhile.
   */
  writeHolds: Record<Exclude<WriteHold, 'none'>, number>;
  /** Commands accepted but not yet written. */
  queuedCommands: number;
  /** Estimated bytes of queued commands. */
  queuedBytes: number;
  /** Bytes read and written by every connection this pool ever had. */
  bytesIn: number;
  bytesOut: number;
  /** Sockets lost and re-dialled by shared connections. */
  reconnects: number;
  /** Connections created since the pool started. */
  created: number;
  /** Leases granted, and leases reported by leak detection. */
  leases: number;
  leaks: number;
  /** Total time released leases were held (ms); over `leases` released, the mean hold time. */
  leaseDurationMs: number;
  /** The hard cap the pool enforces. */
  maxConnections: number;
  /** The circuit breaker: 'closed' (always, unless circuitBreakerThreshold is set), 'open' (failing fast) or 'halfOpen' (a probe dial is under way). */
  circuit: 'closed' | 'open' | 'halfOpen';
  /** Times the circuit opened since the client was created. */
  circuitOpens: number;
  /** Connects (dial, TLS, handshake) failed in a row, over every connection; 0 once one succeeds. */
  failedConnects: number;
}

interface ConnectionGauges {
  readonly inFlightCount: number;
  readonly inFlightBytes: number;
  readonly writeBufferedBytes: number;
  readonly queuedCount: number;
  readonly queuedBytes: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export class PoolCounters {
  hits = 0;
  misses = 0;
  timeouts = 0;
  waitCount = 0;
  waitDurationMs = 0;
  stale = 0;
  reconnects = 0;
  created = 0;
  leases = 0;
  leaks = 0;
  leaseDurationMs = 0;
  readonly rejected: Record<QueueFullReason, number> = { queuedCommands: 0, queuedBytes: 0, inFlightCommands: 0, inFlightBytes: 0, pendingAcquires: 0 };
  readonly writeHolds: Record<Exclude<WriteHold, 'none'>, number> = { socket: 0, inFlightCommands: 0, inFlightBytes: 0 };
  #closedBytesIn = 0;
  #closedBytesOut = 0;

  /** Keeps a closing connection's byte counts in the totals. */
  absorb(conn: ConnectionGauges): void {
    this.#closedBytesIn += conn.bytesIn;
    this.#closedBytesOut += conn.bytesOut;
  }

  snapshot(
    conns: ConnectionGauges[],
    gauges: {
      idle: number;
      shared: number;
      leased: number;
      dialling: number;
      closing: number;
      pendingRequests: number;
      maxConnections: number;
      circuit: PoolStats['circuit'];
      circuitOpens: number;
      failedConnects: number;
      inFlightPeak: number;
      inFlightBytesPeak: number;
    },
  ): PoolStats {
    let inFlight = 0;
    let inFlightBytes = 0;
    let writeBufferedBytes = 0;
    let queuedCommands = 0;
    let queuedBytes = 0;
    let bytesIn = this.#closedBytesIn;
    let bytesOut = this.#closedBytesOut;
    for (const c of conns) {
      inFlight += c.inFlightCount;
      inFlightBytes += c.inFlightBytes;
      writeBufferedBytes += c.writeBufferedBytes;
      queuedCommands += c.queuedCount;
      queuedBytes += c.queuedBytes;
      bytesIn += c.bytesIn;
      bytesOut += c.bytesOut;
    }
    return {
      hits: this.hits,
      misses: this.misses,
      timeouts: this.timeouts,
      waitCount: this.waitCount,
      waitDurationMs: Math.round(this.waitDurationMs),
      totalConns: conns.length,
      idleConns: gauges.idle,
      staleConns: this.stale,
      pendingRequests: gauges.pendingRequests,
      sharedConns: gauges.shared,
      leased: gauges.leased,
      dialling: gauges.dialling,
      closing: gauges.closing,
      inFlight,
      inFlightBytes,
      inFlightPeak: gauges.inFlightPeak,
      inFlightBytesPeak: gauges.inFlightBytesPeak,
      writeBufferedBytes,
      rejected: { ...this.rejected },
      writeHolds: { ...this.writeHolds },
      queuedCommands,
      queuedBytes,
      bytesIn,
      bytesOut,
      reconnects: this.reconnects,
      created: this.created,
      leases: this.leases,
      leaks: this.leaks,
      leaseDurationMs: Math.round(this.leaseDurationMs),
      maxConnections: gauges.maxConnections,
      circuit: gauges.circuit,
      circuitOpens: gauges.circuitOpens,
      failedConnects: gauges.failedConnects,
    };
  }
}
