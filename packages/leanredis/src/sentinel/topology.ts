// @layer L7 sentinel
/*
 * Where the master is, as the sentinels say, and the seam that makes a core Client follow it.
 *
 *   unknown --first dial: locate()--> discovering --a sentinel answers--> known
 *      ^                                  |  every sentinel failed: the dial fails (backoff)
 *      |                                  v
 *      +----------------------------- (retry)
 *   known --+switch-master / a redial after a loss / a server that says it is a replica--> discovering
 *
 * Discovery asks the sentinels in order, each within `sentinelTimeoutMs`, and is single-flight:
 * any number of connections failing at once cause one round. The sentinel that answered is
 * watched over pub/sub (+switch-master): on a switch the client's sockets to the old master are
 * dropped, so its connections dial the new one. Every new data connection is confirmed (the
 * HELLO reply's role, or ROLE on servers without HELLO): a replica is refused, so nothing is
 * ever written to a demoted master through a new connection. Nothing here runs until the first
 * dial: no socket, no timer.
 */
import { ConnectionError, SentinelError, createClient, type Client, type ClientOptions, type ServerInfo, type Subscription } from '../index.js';

/** A sentinel's (or a server's) address. */
export interface Address {
  host: string;
  port: number;
}

/** What a topology may do to the client it is attached to (the core's TopologyHandle). */
export interface TopologyHandle {
  setAddress(host: string, port: number): void;
  dropConnections(error: Error): void;
  routeReads(pick: (() => object | undefined) | undefined): void;
}

/** The core's Topology seam (src/client/options.ts), declared here: this subpath reaches the core only through its entry. */
export interface TopologyHooks {
  label?: string;
  locate: (isRedial: boolean) => Promise<void> | undefined;
  verify: (info: ServerInfo, send: (name: string, args: (string | number)[]) => Promise<unknown>) => Promise<void> | undefined;
  attach: (handle: TopologyHandle) => void;
}

/** The key of the core's internal topology option (Symbol.for: one key for every copy of the package). */
export const TOPOLOGY = Symbol.for('leanredis.topology');

/** Settings of a sentinel topology, validated by createSentinel. */
export interface TopologySettings {
  masterName: string;
  sentinels: Address[];
  /** Options of the clients that talk to sentinels (credentials, TLS, timeouts). */
  sentinelClient: ClientOptions;
  /** Deadline of one sentinel query. */
  timeoutMs: number;
  /** Told of every master change after the first discovery. */
  onSwitch?: (info: SwitchInfo) => void;
}

/** A change of master: the 'switch' event and the `leanredis:sentinel:switch` diagnostics channel. */
export interface SwitchInfo {
  masterName: string;
  /** host:port of the old master. */
  from: string;
  /** host:port of the new master. */
  to: string;
  /** What told the client: '+switch-master', or a discovery after a lost or refused connection. */
  reason: string;
}

/** diagnostics_channel of master changes (loaded at the first change, not at import). */
export const SWITCH_CHANNEL = 'leanredis:sentinel:switch';

/** `stats().sentinel`. */
export interface SentinelStats {
  /** host:port of the master the client uses now; undefined before the first discovery. */
  master: string | undefined;
  /** Sentinels known: those given plus those the sentinels reported (SENTINEL SENTINELS). */
  sentinels: number;
  /** Discovery rounds run (each asks the sentinels in order until one answers). */
  discoveries: number;
  /** Times the master changed after it was first found. */
  switches: number;
  /** Servers refused because they said they were replicas (ERR_SENTINEL_NOT_MASTER). */
  refusedReplicas: number;
  /** The sentinel watched for +switch-master, as host:port; undefined when none is. */
  watching: string | undefined;
}

// Loaded at the first switch, not at import (a constant: the bundle's line breaks may fall inside a call's literal).
const DIAGNOSTICS_CHANNEL = 'node:diagnostics_channel';

/** A redial within this long of the last discovery reuses its answer rather than asking again. */
const REDISCOVER_AFTER_MS = 200;

const addressOf = (a: Address): string => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);

/** A reply's fields by name: RESP3 maps and RESP2 flat arrays alike. */
export function fieldsOf(entry: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (entry instanceof Map) {
    for (const [k, v] of entry) out.set(String(k), String(v));
  } else if (Array.isArray(entry)) {
    for (let i = 0; i + 1 < entry.length; i += 2) out.set(String(entry[i]), String(entry[i + 1]));
  }
  return out;
}

export class SentinelTopology {
  readonly #settings: TopologySettings;
  readonly #sentinels: Address[];
  readonly #clients = new Map<string, Client>();
  #handle: TopologyHandle | undefined;
  #master: Address | undefined;
  #discovering: Promise<void> | undefined;
  #discoveredAt = -Infinity;
  #watcher: { address: string; subscription: Promise<Subscription> } | undefined;
  #isClosed = false;
  #discoveries = 0;
  #switches = 0;
  #refused = 0;

  constructor(settings: TopologySettings) {
    this.#settings = settings;
    this.#sentinels = settings.sentinels.slice();
  }

  /** The seam the core client is built with (functions bound to this topology). */
  hooks(): TopologyHooks {
    return {
      label: `sentinel:${this.#settings.masterName}`,
      locate: (isRedial) => this.#locate(isRedial),
      verify: (info, send) => this.#verify(info, send),
      attach: (handle) => {
        this.#handle = handle;
      },
    };
  }

  /** Sends the client's read-only commands to the client `pick` returns (see readFrom). */
  routeReads(pick: () => object | undefined): void {
    this.#handle?.routeReads(pick);
  }

  /** The master in use, or undefined before the first discovery. */
  get master(): Address | undefined {
    return this.#master === undefined ? undefined : { ...this.#master };
  }

  stats(): SentinelStats {
    return {
      master: this.#master === undefined ? undefined : addressOf(this.#master),
      sentinels: this.#sentinels.length,
      discoveries: this.#discoveries,
      switches: this.#switches,
      refusedReplicas: this.#refused,
      watching: this.#watcher?.address,
    };
  }

  #locate(isRedial: boolean): Promise<void> | undefined {
    if (this.#isClosed) return Promise.reject(new ConnectionError('ERR_CONNECTION_FAILED', 'the sentinel client is closed'));
    // A known master is dialled at once; a redial (the last socket was lost or refused) asks
    // the sentinels again first, unless a round just ended: the master may have moved.
    if (this.#master !== undefined && (!isRedial || performance.now() - this.#discoveredAt < REDISCOVER_AFTER_MS)) return undefined;
    return this.discover();
  }

  #verify(info: ServerInfo, send: (name: string, args: (string | number)[]) => Promise<unknown>): Promise<void> | undefined {
    // HELLO's reply carries the role ROLE would report; servers without HELLO are asked.
    if (info.role === 'master') return undefined;
    const refuse = (role: string): never => {
      this.#refused++;
      this.#discoveredAt = -Infinity; // the next dial asks the sentinels again
      const where = this.#master === undefined ? 'the server' : addressOf(this.#master);
      throw new SentinelError('ERR_SENTINEL_NOT_MASTER', `${where}, given by the sentinels as master "${this.#settings.masterName}", says it is a ${role}; asking the sentinels again`);
    };
    if (info.role !== '') return Promise.resolve().then(() => refuse(info.role));
    return send('ROLE', []).then((reply) => {
      const role = String(Array.isArray(reply) ? reply[0] : reply);
      if (role !== 'master') refuse(role);
    });
  }

  /** Asks the sentinels where the master is (single-flight). Rejects with SentinelError when none can say. */
  discover(): Promise<void> {
    return (this.#discovering ??= this.#discoverRound().finally(() => {
      this.#discovering = undefined;
      this.#discoveredAt = performance.now();
    }));
  }

  async #discoverRound(): Promise<void> {
    this.#discoveries++;
    const answer = await this.ask(['GET-MASTER-ADDR-BY-NAME', this.#settings.masterName], (reply) => {
      const [host, port] = Array.isArray(reply) ? reply.map(String) : [];
      return host !== undefined && Number.isInteger(Number(port)) ? { host, port: Number(port) } : undefined;
    });
    this.#setMaster(answer.value, `sentinel ${addressOf(answer.sentinel)} names it`);
    this.#watch(answer.sentinel, answer.client);
    this.#refreshSentinels(answer.client);
  }

  /**
   * Sends `SENTINEL <args>` to the sentinels in order, each within sentinelTimeoutMs, until one
   * gives a reply `read` accepts. Rejects with ERR_SENTINEL_MASTER_UNKNOWN when those that
   * answered gave nothing usable, ERR_SENTINEL_UNREACHABLE when none answered.
   */
  async ask<T>(args: string[], read: (reply: unknown) => T | undefined): Promise<{ value: T; sentinel: Address; client: Client }> {
    const { masterName, timeoutMs } = this.#settings;
    let unknown = 0;
    let firstError: unknown;
    for (const sentinel of this.#sentinels.slice()) {
      if (this.#isClosed) break;
      const client = this.#client(sentinel);
      let reply: unknown;
      try {
        reply = await client.with({ timeoutMs }).call('SENTINEL', ...args);
      } catch (err) {
        firstError ??= err;
        continue;
      }
      const value = read(reply);
      if (value === undefined) {
        unknown++;
        continue;
      }
      this.#promote(sentinel);
      return { value, sentinel, client };
    }
    const tried = this.#sentinels.length;
    if (unknown > 0) {
      throw new SentinelError('ERR_SENTINEL_MASTER_UNKNOWN', `${unknown} of ${tried} sentinels answered that they know no master named "${masterName}"`);
    }
    const why = firstError instanceof Error ? ` (first: ${(firstError as { code?: string }).code ?? firstError.name})` : '';
    throw new SentinelError('ERR_SENTINEL_UNREACHABLE', `none of ${tried} sentinels answered within sentinelTimeoutMs (${timeoutMs} ms)${why}`, { cause: firstError });
  }

  /** The sentinel that answered is asked first next time (as go-redis does). */
  #promote(sentinel: Address): void {
    const i = this.#sentinels.indexOf(sentinel);
    if (i > 0) {
      this.#sentinels.splice(i, 1);
      this.#sentinels.unshift(sentinel);
    }
  }

  /** Moves traffic: later dials go to `next`; sockets to the old master are dropped. */
  #setMaster(next: Address, why: string): void {
    const previous = this.#master;
    if (previous !== undefined && previous.host === next.host && previous.port === next.port) return;
    this.#master = next;
    this.#handle?.setAddress(next.host, next.port);
    if (previous === undefined) return;
    this.#switches++;
    const info: SwitchInfo = { masterName: this.#settings.masterName, from: addressOf(previous), to: addressOf(next), reason: why };
    const dc = process.getBuiltinModule(DIAGNOSTICS_CHANNEL) as typeof import('node:diagnostics_channel');
    if (dc.hasSubscribers(SWITCH_CHANNEL)) dc.channel(SWITCH_CHANNEL).publish(info);
    // Commands written to the old master and not read-only fail with ERR_CONNECTION_LOST_AFTER_WRITE
    // (they may have run there); read-only ones are re-sent to the new master.
    this.#handle?.dropConnections(new ConnectionError('ERR_CONNECTION_LOST', `master "${info.masterName}" moved from ${info.from} to ${info.to} (${why})`));
    this.#settings.onSwitch?.(info);
  }

  /**
   * Watches one sentinel for +switch-master. When that sentinel's connection is lost the watch
   * ends and a discovery round in the background starts another on a sentinel that answers.
   */
  #watch(sentinel: Address, client: Client): void {
    if (this.#watcher !== undefined || this.#isClosed) return;
    const address = addressOf(sentinel);
    const subscription = client.subscribe('+switch-master', (message) => this.#onSwitch(String(message)));
    const watcher = { address, subscription };
    this.#watcher = watcher;
    const end = (): void => {
      client.off('reconnecting', end);
      if (this.#watcher !== watcher) return;
      this.#watcher = undefined;
      subscription.then((s) => s.unsubscribe()).catch(() => {});
      if (!this.#isClosed) this.discover().catch(() => {});
    };
    client.on('reconnecting', end);
    subscription.catch(end);
  }

  #onSwitch(payload: string): void {
    // "<master name> <old ip> <old port> <new ip> <new port>"
    const [name, , , host, port] = payload.split(' ');
    if (name !== this.#settings.masterName || host === undefined || !Number.isInteger(Number(port))) return;
    this.#discoveredAt = performance.now();
    this.#setMaster({ host, port: Number(port) }, '+switch-master');
  }

  /** Learns the other sentinels (SENTINEL SENTINELS) in the background; failures are ignored. */
  #refreshSentinels(client: Client): void {
    client
      .with({ timeoutMs: this.#settings.timeoutMs })
      .call('SENTINEL', 'SENTINELS', this.#settings.masterName)
      .then(
        (reply) => {
          if (!Array.isArray(reply)) return;
          for (const entry of reply) {
            const f = fieldsOf(entry);
            const host = f.get('ip');
            const port = Number(f.get('port'));
            if (host === undefined || !Number.isInteger(port) || /s_down|o_down|disconnected/.test(f.get('flags') ?? '')) continue;
            if (!this.#sentinels.some((s) => s.host === host && s.port === port)) this.#sentinels.push({ host, port });
          }
        },
        () => {},
      );
  }

  #client(sentinel: Address): Client {
    const key = addressOf(sentinel);
    let client = this.#clients.get(key);
    if (client === undefined) {
      client = createClient({ ...this.#settings.sentinelClient, host: sentinel.host, port: sentinel.port });
      this.#clients.set(key, client);
    }
    return client;
  }

  /** Closes the sentinel connections (the data connections are the client's). */
  async close(): Promise<void> {
    this.#isClosed = true;
    this.#watcher = undefined;
    await Promise.allSettled([...this.#clients.values()].map((c) => c.close()));
  }

  destroy(): void {
    this.#isClosed = true;
    this.#watcher = undefined;
    for (const c of this.#clients.values()) c.destroy();
  }
}
