// @layer L7 otel
/**
 * L7 otel: the connection-pool instruments of the database conventions. Observed from each
 * client's public `stats()` when the SDK collects (nothing runs between collections):
 *   db.client.connection.count            {connection}  by db.client.connection.state (idle | used)
 *   db.client.connection.max              {connection}
 *   db.client.connection.pending_requests {request}
 *   db.client.connection.timeouts         {timeout}     (a counter: lease requests that hit ERR_POOL_TIMEOUT)
 * and recorded per event, from the `leanredis:connect` channel (instrument() calls `connected`):
 *   db.client.connection.create_time      s             (a histogram: dial + TLS + handshake of each successful connect)
 * each with db.client.connection.pool.name. The clients are the ones given to instrument() and,
 * unless `trackClients` is false, every client created afterwards (the process-wide creation
 * hook also used by leanredis/diagnostics, registered under Symbol.for so every copy of the
 * package shares it). Clients are held weakly and dropped once closed.
 */
import type { ClientStats } from '../index.js';
import type { OtelHistogram, OtelMeter, OtelObservable, OtelObservableResult } from './otel-types.js';
import { CONNECTION_POOL_NAME, CONNECTION_STATE } from './semconv.js';

/** The part of a client the connection instruments read: its public `stats()`, `toJSON()` and `isOpen`. */
export interface InstrumentedClient {
  stats(): ClientStats;
  toJSON(): object;
  readonly isOpen: boolean;
}

const CLIENT_CREATED = Symbol.for('leanredis.client.created');
type CreatedListener = (client: InstrumentedClient) => void;
type Hooked = { [CLIENT_CREATED]?: Set<CreatedListener> };

interface Watched {
  readonly ref: WeakRef<InstrumentedClient>;
  readonly poolName: string;
}

/** Bucket bounds of db.client.connection.create_time: a loopback connect takes ~0.3 ms, a TLS one across regions 100s of ms. (s) */
const CREATE_TIME_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Observes the pool figures of a set of clients on three observable instruments. */
export class ConnectionGauges {
  readonly #watched: Watched[] = [];
  readonly #names = new Set<string>();
  readonly #poolNames = new WeakMap<object, string>();
  readonly #createTime: OtelHistogram;
  readonly #instruments: OtelObservable[];
  readonly #onCreated: CreatedListener | undefined;
  readonly #callbacks: ((result: OtelObservableResult) => void)[];

  constructor(meter: OtelMeter, clients: readonly (readonly [string | undefined, InstrumentedClient])[], trackClients: boolean) {
    for (const [name, client] of clients) this.add(client, name);
    const count = meter.createObservableUpDownCounter('db.client.connection.count', { description: 'The number of connections that are currently in the state described by the state attribute.', unit: '{connection}' });
    const max = meter.createObservableUpDownCounter('db.client.connection.max', { description: 'The maximum number of open connections allowed.', unit: '{connection}' });
    const pending = meter.createObservableUpDownCounter('db.client.connection.pending_requests', { description: 'The number of current pending requests for an open connection.', unit: '{request}' });
    const timeouts = meter.createObservableCounter('db.client.connection.timeouts', { description: 'The number of connection timeouts that have occurred trying to obtain a connection from the pool.', unit: '{timeout}' });
    this.#createTime = meter.createHistogram('db.client.connection.create_time', { description: 'The time it took to create a new connection.', unit: 's', advice: { explicitBucketBoundaries: CREATE_TIME_BUCKETS_S } });
    this.#instruments = [count, max, pending, timeouts];
    this.#callbacks = [
      (r) => this.#each((name, s) => {
        r.observe(s.idleConns, { [CONNECTION_STATE]: 'idle', [CONNECTION_POOL_NAME]: name });
        r.observe(s.leased + s.sharedConns, { [CONNECTION_STATE]: 'used', [CONNECTION_POOL_NAME]: name });
      }),
      (r) => this.#each((name, s) => r.observe(s.maxConnections, { [CONNECTION_POOL_NAME]: name })),
      (r) => this.#each((name, s) => r.observe(s.pendingRequests, { [CONNECTION_POOL_NAME]: name })),
      (r) => this.#each((name, s) => r.observe(s.timeouts, { [CONNECTION_POOL_NAME]: name })),
    ];
    for (let i = 0; i < this.#instruments.length; i++) this.#instruments[i].addCallback(this.#callbacks[i]);
    if (trackClients) {
      this.#onCreated = (client) => this.add(client);
      const g = globalThis as Hooked;
      (g[CLIENT_CREATED] ??= new Set()).add(this.#onCreated);
    }
  }

  /** Observes a client (once); `name` is its pool name, else `host:port/db` (made unique). */
  add(client: InstrumentedClient, name?: string): void {
    if (this.#poolNames.has(client)) return;
    let poolName = name ?? defaultPoolName(client);
    for (let n = 2; this.#names.has(poolName); n++) poolName = `${name ?? defaultPoolName(client)}#${n}`;
    this.#names.add(poolName);
    this.#poolNames.set(client, poolName);
    this.#watched.push({ ref: new WeakRef(client), poolName });
  }

  /**
   * Records a successful connect (dial, TLS, handshake) of `client`'s pool as a
   * db.client.connection.create_time point. A client not observed (created before instrument()
   * without being listed in `clients`, or with trackClients off) is named `host:port/db`.
   */
  connected(client: object, durationMs: number): void {
    const poolName = this.#poolNames.get(client) ?? (typeof (client as InstrumentedClient).toJSON === 'function' ? defaultPoolName(client as InstrumentedClient) : 'unknown');
    this.#createTime.record(durationMs / 1000, { [CONNECTION_POOL_NAME]: poolName });
  }

  /** Removes the callbacks and the creation hook. */
  stop(): void {
    for (let i = 0; i < this.#instruments.length; i++) this.#instruments[i].removeCallback(this.#callbacks[i]);
    if (this.#onCreated !== undefined) {
      const g = globalThis as Hooked;
      const set = g[CLIENT_CREATED];
      set?.delete(this.#onCreated);
      // With nobody listening the core's check is one property read that finds nothing.
      if (set !== undefined && set.size === 0) delete g[CLIENT_CREATED];
    }
  }

  #each(fn: (poolName: string, stats: ClientStats) => void): void {
    for (let i = this.#watched.length - 1; i >= 0; i--) {
      const w = this.#watched[i];
      const client = w.ref.deref();
      if (client === undefined || !client.isOpen) {
        this.#watched.splice(i, 1);
        this.#names.delete(w.poolName);
        continue;
      }
      fn(w.poolName, client.stats());
    }
  }
}

function defaultPoolName(client: InstrumentedClient): string {
  const j = client.toJSON() as { address?: unknown; database?: unknown };
  return `${typeof j.address === 'string' ? j.address : 'unknown'}/${typeof j.database === 'number' ? j.database : 0}`;
}
