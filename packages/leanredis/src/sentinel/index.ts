// @layer L7 sentinel
/**
 * `leanredis/sentinel`: a client of the master that Redis Sentinel elects, following it through
 * failovers. It is a `Client` (the same commands, pipelines, transactions, leases, pub/sub,
 * stats and diagnostics channels) whose connections dial where the sentinels say. Importing
 * `leanredis` loads none of this; creating one opens no socket and starts no timer.
 *
 * ```ts
 * import { createSentinel } from 'leanredis/sentinel';
 * const redis = createSentinel({ sentinels: ['10.0.0.1:26379', '10.0.0.2:26379'], masterName: 'mymaster' });
 * await redis.set('k', 'v');
 * ```
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ArgumentError, Client, type ClientEvents, type ClientOptions, type ClientStats } from '../index.js';
import { SentinelTopology, TOPOLOGY, type Address, type SentinelStats, type SwitchInfo } from './topology.js';
import { ReplicaTopology, readRoute } from './replicas.js';

export { SWITCH_CHANNEL } from './topology.js';
export type { SentinelStats, SwitchInfo } from './topology.js';

/** Events of a sentinel client: the client's, plus 'switch' when the master changes. */
export interface SentinelEvents extends ClientEvents {
  /** The master changed (after the first discovery): later commands go to `to`. */
  switch: [info: SwitchInfo];
}

/** A sentinel's address: `{ host, port }` or `'host:port'`. */
export type SentinelAddress = { host: string; port: number } | string;

/** Options of `createSentinel`: the client's options (for the data connections) plus where the sentinels are. */
export interface SentinelOptions extends Omit<ClientOptions, 'url' | 'host' | 'port' | 'path' | 'returnBuffers'> {
  /** The sentinels to ask, in order (the one that answers is asked first next time). At least one. */
  sentinels: readonly SentinelAddress[];
  /** The master's name, as the sentinels know it (`sentinel monitor <name> ...`). */
  masterName: string;
  /** ACL user for the sentinels (separate from `username`, which is for the data servers). @default "default" when sentinelPassword is given */
  sentinelUsername?: string;
  /** Password for the sentinels (their `requirepass` or ACL user); never appears in errors, events or stats. */
  sentinelPassword?: string;
  /** TLS to the sentinels: `true`, or tls.connect options. @default the `tls` option */
  sentinelTls?: boolean | TlsOptions;
  /** Deadline of one query to one sentinel (dial, handshake and reply); the next is tried after it. @default 1000 (ms) */
  sentinelTimeoutMs?: number;
  /**
   * Where read-only commands go: the master; a replica ('replica': only replicas, waiting for one
   * if none is healthy); or a replica when one is known, else the master ('preferReplica').
   * Pipelines, transactions, leases, blocking commands and pub/sub always use the master.
   * Replicas lag the master (asynchronous replication): a read may miss a write just made.
   * @default "master"
   */
  readFrom?: 'master' | 'replica' | 'preferReplica';
  /** Bulk strings as UTF-8 strings; `createSentinel({ ..., returnBuffers: true })` is typed for Buffers. @default false */
  returnBuffers?: boolean;
}

/** `sentinel.stats()`: the client's figures plus where the sentinels sent it. */
export interface SentinelClientStats extends ClientStats {
  sentinel: SentinelStats & {
    /** Where read-only commands go. */
    readFrom: 'master' | 'replica' | 'preferReplica';
    /** Healthy replicas the sentinels listed last time (0 until replicas are first asked for). */
    replicas: number;
    /** The replica the read connections use now, as host:port. */
    replica: string | undefined;
    /** Replicas refused because they said they were masters. */
    refusedMasters: number;
  };
  /** The figures of the replica-read client's own pool; undefined with readFrom 'master'. */
  replicaReads: ClientStats | undefined;
}

const SENTINEL_KEYS = new Set(['sentinels', 'masterName', 'sentinelUsername', 'sentinelPassword', 'sentinelTls', 'sentinelTimeoutMs', 'readFrom']);
const ADDRESS_KEYS = new Set(['url', 'host', 'port', 'path']);
const MAX_TIMER_MS = 2 ** 31 - 1;

function fail(message: string): never {
  throw new ArgumentError(`createSentinel: ${message}`, 'ERR_INVALID_OPTION');
}

function parseAddress(value: unknown, index: number): Address {
  const where = `option "sentinels" [${index}]`;
  let host: unknown;
  let port: unknown;
  if (typeof value === 'string') {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value);
    if (m === null) fail(`${where} must be "host:port" or { host, port }`);
    host = m[1];
    port = Number(m[2]);
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const key of Object.keys(value)) if (key !== 'host' && key !== 'port') fail(`${where} has unknown key "${key}"; accepted: host, port`);
    ({ host, port } = value as { host?: unknown; port?: unknown });
  } else fail(`${where} must be "host:port" or { host, port }`);
  if (typeof host !== 'string' || host === '') fail(`${where}: host must be a non-empty string`);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) fail(`${where}: port must be an integer from 1 to 65535`);
  return { host, port };
}

/** Splits and validates the options: the sentinels' part, and the data client's options. */
type ReadFrom = 'master' | 'replica' | 'preferReplica';

function resolveSentinelOptions(input: SentinelOptions, onSwitch: (info: SwitchInfo) => void): { topology: SentinelTopology; data: ClientOptions; readFrom: ReadFrom; masterName: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail('expected an options object with sentinels and masterName');
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (ADDRESS_KEYS.has(key)) fail(`option "${key}" is not accepted: the master's address comes from the sentinels (give "sentinels" and "masterName")`);
    if (value === null) fail(`option "${key}" is null; omit it to use the default`);
    if (!SENTINEL_KEYS.has(key)) data[key] = value;
  }
  const { sentinels, masterName, sentinelUsername, sentinelPassword, sentinelTls, sentinelTimeoutMs } = input;
  if (!Array.isArray(sentinels) || sentinels.length === 0) fail('option "sentinels" must be a non-empty array of "host:port" or { host, port }');
  const addresses = (sentinels as unknown[]).map(parseAddress);
  if (typeof masterName !== 'string' || masterName === '' || /\s/.test(masterName)) fail('option "masterName" must be a non-empty string without spaces');
  for (const [name, value] of [['sentinelUsername', sentinelUsername], ['sentinelPassword', sentinelPassword]] as const) {
    if (value !== undefined && typeof value !== 'string') fail(`option "${name}" must be a string`);
  }
  if (sentinelTls !== undefined && typeof sentinelTls !== 'boolean' && (typeof sentinelTls !== 'object' || Array.isArray(sentinelTls))) fail('option "sentinelTls" must be a boolean or tls.connect options');
  const readFrom = input.readFrom ?? 'master';
  if (readFrom !== 'master' && readFrom !== 'replica' && readFrom !== 'preferReplica') fail('option "readFrom" must be "master", "replica" or "preferReplica"');
  const timeoutMs = sentinelTimeoutMs ?? 1000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMER_MS) fail(`option "sentinelTimeoutMs" must be an integer from 1 to ${MAX_TIMER_MS} (ms)`);

  // The clients that talk to sentinels: their own credentials and TLS, one deadline for dial and
  // reply, and no offline queue, so a dead sentinel fails its query at once and the next is asked.
  const sentinelClient: ClientOptions = {
    connectTimeoutMs: timeoutMs,
    commandTimeoutMs: timeoutMs,
    offlineQueue: false,
    maxConnections: 2, // one for queries, one for the +switch-master subscription
    protocol: input.protocol,
    clientName: input.clientName,
    reconnectBaseDelayMs: input.reconnectBaseDelayMs,
    reconnectMaxDelayMs: input.reconnectMaxDelayMs,
  };
  if (sentinelPassword !== undefined) {
    sentinelClient.password = sentinelPassword;
    sentinelClient.username = sentinelUsername;
  }
  const tls = sentinelTls ?? input.tls;
  if (tls !== undefined) sentinelClient.tls = tls;
  for (const key of Object.keys(sentinelClient) as (keyof ClientOptions)[]) if (sentinelClient[key] === undefined) delete sentinelClient[key];
  const topology = new SentinelTopology({ masterName, sentinels: addresses, sentinelClient, timeoutMs, onSwitch });
  return { topology, data: data as ClientOptions, readFrom, masterName };
}

/** Checks the data options as createClient would, naming createSentinel in the message. */
function asSentinelError(err: unknown): unknown {
  if (err instanceof ArgumentError) err.message = err.message.replace(/^createClient:/, 'createSentinel:');
  return err;
}

// The topology of the client under construction: super() must run before `this` exists, and
// the topology is made from the same options first.
let pending: Prepared | undefined;

interface Prepared {
  topology: SentinelTopology;
  switched: Set<(info: SwitchInfo) => void>;
  readFrom: ReadFrom;
  replicas: ReplicaTopology | undefined;
  data: ClientOptions;
}

function prepare(options: SentinelOptions): ClientOptions {
  const switched = new Set<(info: SwitchInfo) => void>();
  let replicas: ReplicaTopology | undefined;
  const { topology, data, readFrom, masterName } = resolveSentinelOptions(options, (info) => {
    replicas?.onSwitch();
    for (const listener of switched) listener(info);
  });
  if (readFrom !== 'master') replicas = new ReplicaTopology(topology, masterName);
  pending = { topology, switched, readFrom, replicas, data };
  return { ...data, [TOPOLOGY]: topology.hooks() } as ClientOptions;
}

/**
 * A client of the master the sentinels name. Every data connection is confirmed as a master
 * after its handshake (a replica is refused and the sentinels are asked again); on
 * +switch-master the connections to the old master are dropped: commands written there that
 * are not read-only fail with ERR_CONNECTION_LOST_AFTER_WRITE (they may have run), read-only
 * ones are re-sent to the new master.
 */
export class SentinelClient<S = string> extends Client<S> {
  readonly #topology: SentinelTopology;
  readonly #switched: Set<(info: SwitchInfo) => void>;
  readonly #readFrom: ReadFrom;
  readonly #replicas: ReplicaTopology | undefined;
  readonly #replicaClient: Client<S> | undefined;

  constructor(options: SentinelOptions) {
    try {
      super(prepare(options));
    } catch (err) {
      pending = undefined;
      throw asSentinelError(err);
    }
    const prepared = pending!;
    pending = undefined;
    this.#topology = prepared.topology;
    this.#switched = prepared.switched;
    this.#readFrom = prepared.readFrom;
    this.#replicas = prepared.replicas;
    if (prepared.replicas !== undefined && prepared.readFrom !== 'master') {
      // The same data options (credentials, TLS, pool sizes) for the replica connections.
      const replicaClient = new Client<S>({ ...prepared.data, [TOPOLOGY]: prepared.replicas.hooks() } as ClientOptions);
      this.#replicaClient = replicaClient;
      this.#topology.routeReads(readRoute(prepared.readFrom, prepared.replicas, replicaClient));
    }
  }

  /** Adds an event listener (see SentinelEvents). */
  override on<E extends keyof SentinelEvents>(event: E, listener: (...args: SentinelEvents[E]) => void): this {
    if (event === 'switch') this.#switched.add(listener as (info: SwitchInfo) => void);
    else super.on(event as keyof ClientEvents, listener as () => void);
    return this;
  }

  /** Adds a listener called at most once. */
  override once<E extends keyof SentinelEvents>(event: E, listener: (...args: SentinelEvents[E]) => void): this {
    if (event !== 'switch') return super.once(event as keyof ClientEvents, listener as () => void);
    const once = (info: SwitchInfo): void => {
      this.#switched.delete(once);
      (listener as (info: SwitchInfo) => void)(info);
    };
    this.#switched.add(once);
    return this;
  }

  /** Removes a listener. */
  override off<E extends keyof SentinelEvents>(event: E, listener: (...args: SentinelEvents[E]) => void): this {
    if (event === 'switch') this.#switched.delete(listener as (info: SwitchInfo) => void);
    else super.off(event as keyof ClientEvents, listener as () => void);
    return this;
  }

  /** The master in use (`{ host, port }`), or undefined before the first discovery. */
  get master(): { host: string; port: number } | undefined {
    return this.#topology.master;
  }

  /** Asks the sentinels where the master is now, and moves there if it moved. */
  discover(): Promise<void> {
    return this.#topology.discover();
  }

  override stats(): SentinelClientStats {
    const replicas = this.#replicas;
    return {
      ...super.stats(),
      sentinel: { ...this.#topology.stats(), readFrom: this.#readFrom, replicas: replicas?.known ?? 0, replica: replicas?.current, refusedMasters: replicas?.refused ?? 0 },
      replicaReads: this.#replicaClient?.stats(),
    };
  }

  /** Closes the master and replica connections as `Client.close` does (same deadline), then the sentinel connections. */
  override close(options?: { timeoutMs?: number }): Promise<void> {
    const closing = Promise.all([super.close(options), this.#replicaClient?.close(options)]); // a bad option throws here, synchronously
    return closing.then(() => this.#topology.close());
  }

  override destroy(): void {
    super.destroy();
    this.#replicaClient?.destroy();
    this.#topology.destroy();
  }
}

/**
 * Creates a sentinel-managed client. Nothing is dialled and no timer starts until the first
 * command or `connect()`. Throws ArgumentError (ERR_INVALID_OPTION) naming the option when an
 * option is invalid or unknown.
 */
export function createSentinel(options: SentinelOptions & { returnBuffers: true }): SentinelClient<Buffer>;
export function createSentinel(options: SentinelOptions): SentinelClient<string>;
export function createSentinel(options: SentinelOptions): SentinelClient<string> | SentinelClient<Buffer> {
  return new SentinelClient<string>(options);
}
