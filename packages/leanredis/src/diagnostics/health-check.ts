// @layer L7 diagnostics
/**
 * L7 diagnostics: `healthCheck(client)` for readiness and liveness probes. One PING under a
 * deadline plus the pool's state, as a plain object a probe handler can serialize. It never
 * rejects for an unhealthy client (that is a `down` report); only bad options throw.
 */
import type { Client, ClientStats } from '../index.js';
import { checkOptions, intOption } from './options.js';

/** Options of `healthCheck`. */
export interface HealthCheckOptions {
  /** Longest wait for the PING reply, queueing and reconnecting included. @default 1000 (ms) */
  timeoutMs?: number;
}

/** The pool figures a probe needs (from `client.stats()`). */
export interface HealthPool {
  /** Sockets open or being dialled. */
  totalConns: number;
  /** The pool's hard cap. */
  maxConnections: number;
  /** Connections leased now. */
  leased: number;
  /** Idle lease connections. */
  idleConns: number;
  /** Lease requests waiting for a connection. */
  pendingRequests: number;
  /** Commands written and awaiting replies. */
  inFlight: number;
  /** Commands accepted, not yet written (while dialling or reconnecting). */
  queuedCommands: number;
  /** Lease requests that timed out since the client started. */
  timeouts: number;
  /** Shared-connection reconnects since the client started. */
  reconnects: number;
  /** Leases reported by leak detection since the client started. */
  leaks: number;
}

/** What `healthCheck` returns. Plain data: `JSON.stringify` it as a probe's body. */
export interface HealthReport {
  /**
   * `ok`: PING answered in time and the pool can serve. `degraded`: PING answered but the pool
   * is saturated (lease requests waiting, or every connection slot in use). `down`: no PONG
   * within `timeoutMs`, or the client is closed.
   */
  status: 'ok' | 'degraded' | 'down';
  /** `status !== 'down'`: what a readiness probe answers. */
  isReady: boolean;
  /** Round trip of the PING, or null when it failed. (ms, fractional) */
  pingMs: number | null;
  /** Why PING failed (`code` is the error's stable code), or null. */
  error: { code: string; message: string } | null;
  /** Human-readable reasons for `degraded` or `down`; empty when `ok`. */
  reasons: string[];
  pool: HealthPool;
  /** When the check finished (ms since the epoch). */
  checkedAt: number;
}

/** The part of a client a health check uses: its public API only. */
export type HealthCheckTarget = Pick<Client<unknown>, 'isOpen' | 'stats' | 'with'>;

const KNOWN = ['timeoutMs'] as const;

function poolOf(s: ClientStats): HealthPool {
  return {
    totalConns: s.totalConns,
    maxConnections: s.maxConnections,
    leased: s.leased,
    idleConns: s.idleConns,
    pendingRequests: s.pendingRequests,
    inFlight: s.inFlight,
    queuedCommands: s.queuedCommands,
    timeouts: s.timeouts,
    reconnects: s.reconnects,
    leaks: s.leaks,
  };
}

/**
 * PINGs the server within `timeoutMs` and reports the pool's state. Resolves a `HealthReport`
 * in at most about `timeoutMs` (the client's own deadline bounds the PING); never rejects
 * because the server is down. Throws ArgumentError (ERR_INVALID_OPTION) synchronously on a bad
 * option.
 *
 * ```ts
 * app.get('/ready', async (_req, res) => {
 *   const h = await healthCheck(client, { timeoutMs: 500 });
 *   res.status(h.isReady ? 200 : 503).json(h);
 * });
 * ```
 */
export function healthCheck(client: HealthCheckTarget, options?: HealthCheckOptions): Promise<HealthReport> {
  const o = checkOptions('healthCheck', options, KNOWN);
  return check(client, intOption('healthCheck', o, 'timeoutMs', 1000, 1, 600_000, ' (ms)'));
}

async function check(client: HealthCheckTarget, timeoutMs: number): Promise<HealthReport> {
  const reasons: string[] = [];
  let error: HealthReport['error'] = null;
  let pingMs: number | null = null;
  if (!client.isOpen) {
    error = { code: 'ERR_CLIENT_CLOSED', message: 'the client is closed' };
  } else {
    const start = performance.now();
    try {
      await client.with({ timeoutMs }).ping();
      pingMs = performance.now() - start;
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      error = { code: typeof e.code === 'string' ? e.code : 'ERR_UNKNOWN', message: typeof e.message === 'string' ? e.message : String(err) };
    }
  }
  const pool = poolOf(client.stats());
  let status: HealthReport['status'] = 'ok';
  if (error !== null) {
    status = 'down';
    reasons.push(`PING failed: ${error.code}`);
  } else {
    if (pool.pendingRequests > 0) reasons.push(`${pool.pendingRequests} lease request(s) waiting for a connection`);
    if (pool.totalConns >= pool.maxConnections && pool.idleConns === 0 && pool.leased > 0) {
      reasons.push(`every connection slot is in use (${pool.totalConns} of maxConnections ${pool.maxConnections})`);
    }
    if (reasons.length > 0) status = 'degraded';
  }
  return { status, isReady: status !== 'down', pingMs, error, reasons, pool, checkedAt: Date.now() };
}
