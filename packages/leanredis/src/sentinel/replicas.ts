// @layer L7 sentinel
/*
 * Replica reads (`readFrom: 'replica' | 'preferReplica'`): a second core Client whose
 * connections dial one replica at a time, chosen at random among those the sentinels list as
 * healthy (SENTINEL REPLICAS: not s_down, o_down or disconnected, master link ok), and confirmed
 * after the handshake (a server that says it is a master is refused and another replica picked).
 * The list is asked for at the first read, after a replica connection is lost, and after a
 * switch of master (the promoted replica left the list); never on a timer.
 */
import { SentinelError } from '../index.js';
import { fieldsOf, type Address, type TopologyHandle, type TopologyHooks, type SentinelTopology } from './topology.js';

/** A redial within this long of the last list reuses it. */
const RELIST_AFTER_MS = 200;

const addressOf = (a: Address): string => `${a.host}:${a.port}`;

export class ReplicaTopology {
  readonly #sentinels: SentinelTopology;
  readonly #masterName: string;
  #handle: TopologyHandle | undefined;
  #replicas: Address[] = [];
  #current: Address | undefined;
  #listing: Promise<void> | undefined;
  #listedAt = -Infinity;
  #refused = 0;

  constructor(sentinels: SentinelTopology, masterName: string) {
    this.#sentinels = sentinels;
    this.#masterName = masterName;
  }

  hooks(): TopologyHooks {
    return {
      label: `sentinel:${this.#masterName}:replica`,
      locate: (isRedial) => this.#locate(isRedial),
      verify: (info, send) => this.#verify(info, send),
      attach: (handle) => {
        this.#handle = handle;
      },
    };
  }

  /** Healthy replicas the sentinels listed last time. */
  get known(): number {
    return this.#replicas.length;
  }

  /** The replica in use, as host:port. */
  get current(): string | undefined {
    return this.#current === undefined ? undefined : addressOf(this.#current);
  }

  get refused(): number {
    return this.#refused;
  }

  /** Whether a healthy replica is known; when none is listed yet, asks (in the background) and says no. */
  isAvailable(): boolean {
    if (this.#replicas.length > 0) return true;
    if (performance.now() - this.#listedAt >= RELIST_AFTER_MS) this.list().catch(() => {});
    return false;
  }

  /** The master changed: the replica set did too. Connections are dropped and a replica picked again. */
  onSwitch(): void {
    this.#listedAt = -Infinity;
    this.#replicas = [];
    if (this.#current === undefined) return;
    this.#current = undefined;
    this.#handle?.dropConnections(new SentinelError('ERR_SENTINEL_NO_REPLICA', `the master of "${this.#masterName}" changed: picking a replica again`));
  }

  /** Asks the sentinels for the healthy replicas (single-flight). */
  list(): Promise<void> {
    return (this.#listing ??= this.#sentinels
      .ask(['REPLICAS', this.#masterName], (reply) => (Array.isArray(reply) ? reply : undefined))
      .then(({ value }) => {
        const healthy: Address[] = [];
        for (const entry of value) {
          const f = fieldsOf(entry);
          const host = f.get('ip');
          const port = Number(f.get('port'));
          if (host === undefined || !Number.isInteger(port) || /s_down|o_down|disconnected/.test(f.get('flags') ?? '')) continue;
          if (f.get('master-link-status') !== 'ok') continue;
          healthy.push({ host, port });
        }
        this.#replicas = healthy;
      })
      .finally(() => {
        this.#listing = undefined;
        this.#listedAt = performance.now();
      }));
  }

  #locate(isRedial: boolean): Promise<void> | undefined {
    if (this.#current !== undefined && !isRedial) return undefined;
    const fresh = performance.now() - this.#listedAt < RELIST_AFTER_MS;
    return (fresh ? Promise.resolve() : this.list()).then(() => this.#pick());
  }

  #pick(): void {
    const replicas = this.#replicas;
    if (replicas.length === 0) throw new SentinelError('ERR_SENTINEL_NO_REPLICA', `the sentinels list no healthy replica of "${this.#masterName}"`);
    // Another replica than the one just lost, when there is one.
    const others = replicas.length > 1 && this.#current !== undefined ? replicas.filter((r) => r.host !== this.#current!.host || r.port !== this.#current!.port) : replicas;
    const next = others[Math.floor(Math.random() * others.length)];
    this.#current = next;
    this.#handle?.setAddress(next.host, next.port);
  }

  #verify(info: { role: string }, send: (name: string, args: (string | number)[]) => Promise<unknown>): Promise<void> | undefined {
    if (info.role === 'replica' || info.role === 'slave') return undefined;
    const refuse = (role: string): never => {
      this.#refused++;
      this.#listedAt = -Infinity;
      const where = this.#current === undefined ? 'the server' : addressOf(this.#current);
      this.#replicas = this.#replicas.filter((r) => addressOf(r) !== where);
      throw new SentinelError('ERR_SENTINEL_NO_REPLICA', `${where}, listed as a replica of "${this.#masterName}", says it is a ${role}; picking another`);
    };
    if (info.role !== '') return Promise.resolve().then(() => refuse(info.role));
    return send('ROLE', []).then((reply) => {
      const role = String(Array.isArray(reply) ? reply[0] : reply);
      if (role !== 'slave') refuse(role);
    });
  }
}

/** What the master client routes read-only commands to. */
export function readRoute(mode: 'replica' | 'preferReplica', replicas: ReplicaTopology, client: object): () => object | undefined {
  if (mode === 'replica') return () => client;
  return () => (replicas.isAvailable() ? client : undefined);
}
