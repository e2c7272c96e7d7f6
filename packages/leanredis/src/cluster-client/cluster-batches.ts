// @layer L7 cluster-client
/**
 * The cluster's batches: a pipeline split per node and reassembled in queueing order, and a
 * transaction held to one slot. They reach the cluster client through three module symbols
 * (RECOVER, TARGET, MAP), which users never see.
 */
import type { Arg, Client, CommandDefinition, Settled } from '../index.js';
import type { NodeAddress, SlotMap } from '../cluster/slot-map.js';
import { CROSS_SLOT, commandSlot, parseRedirect, sharedSlot } from '../cluster/routing.js';
import * as core from '../index.js';

// The core: an import of `leanredis`' own entry (the subpath's bundle holds no copy of it).
const { ClusterError, LeanRedisError, ReplyError, Pipeline, Multi } = core;
const DISPATCHER: typeof core.__internals.DISPATCHER = core.__internals.DISPATCHER;
type LeanRedisError = InstanceType<typeof LeanRedisError>;

/** Whether a connection error says the command never reached the node. */
export function isUnsent(err: LeanRedisError): boolean {
  const c = err.code;
  return c === 'ERR_CONNECTION_FAILED' || c === 'ERR_CONNECTION_LOST' || c === 'ERR_CONNECT_TIMEOUT' || c === 'ERR_CLIENT_CLOSED';
}

/** A node client's pipeline that may carry an internal definition with wire arguments (ASKING). */
export class WirePipeline extends Pipeline<unknown[], unknown> {
  add(definition: CommandDefinition, args: readonly Arg[]): this {
    return this.queue(definition, args);
  }
}

/** A node client's transaction built from a cluster transaction's items. */
class WireMulti extends Multi<unknown[], unknown> {
  add(definition: CommandDefinition, args: readonly Arg[]): this {
    return this.queue(definition, args);
  }
}

// What the cluster's batches reach of the client (module-private: not a method users see).
export const RECOVER = Symbol('leanredis.cluster.recover');
export const TARGET = Symbol('leanredis.cluster.target');
export const MAP = Symbol('leanredis.cluster.map');

export interface ClusterInternals<S> {
  [RECOVER](err: unknown, definition: CommandDefinition, args: readonly Arg[], slot: number, from: NodeAddress | undefined): Promise<unknown>;
  /** The node for a slot (a read may go to a replica), after the slot map is known. */
  [TARGET](slot: number, isRead: boolean): Promise<{ address: NodeAddress; client: Client<S> }>;
  [MAP](): SlotMap | undefined;
}

/** Whether a batch's result is an error that says its command never ran there (retried on its own). */
function isRedirectable(result: unknown): result is LeanRedisError {
  if (!(result instanceof LeanRedisError)) return false;
  const c = result.code;
  return c === 'MOVED' || c === 'ASK' || c === 'TRYAGAIN' || c === 'CLUSTERDOWN' || c === 'READONLY' || c === 'MASTERDOWN' || isUnsent(result);
}

/**
 * A pipeline over the cluster: commands are grouped by node, each group sent as one pipeline on
 * that node's connection, and the results put back in the order the commands were queued. A
 * command answered MOVED/ASK/TRYAGAIN (or never sent: its node unreachable) is sent again on its
 * own, through the same path as a single command; one that may have run is never re-sent.
 */
export class ClusterPipeline<S> extends Pipeline<unknown[], S> {
  readonly #cluster: ClusterInternals<S>;
  readonly #slots: number[] = [];

  constructor(cluster: ClusterInternals<S>) {
    // The node pipelines do the sending; this one only collects (its dispatcher is never used).
    super(undefined as never, () => undefined, false);
    this.#cluster = cluster;
  }

  protected override queue(definition: CommandDefinition, args: readonly Arg[]): this {
    const slot = commandSlot(definition, args);
    if (slot === CROSS_SLOT) throw crossSlot(definition.name, 'its keys');
    super.queue(definition, args);
    this.#slots.push(slot);
    return this;
  }

  override async execSettled(): Promise<Settled<unknown[]>> {
    const items = this.items;
    const out: unknown[] = new Array(items.length);
    const groups = new Map<string, { address: NodeAddress; client: Client<S>; indexes: number[] }>();
    for (let i = 0; i < items.length; i++) {
      const target = await this.#cluster[TARGET](this.#slots[i], items[i].definition.isReadOnly);
      let group = groups.get(target.address.address);
      if (group === undefined) groups.set(target.address.address, (group = { ...target, indexes: [] }));
      group.indexes.push(i);
    }
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const dispatcher = group.client[DISPATCHER];
        const pipeline = new WirePipeline(dispatcher, (cmds) => dispatcher.pool.dispatchBatch(cmds)?.id, false);
        for (const i of group.indexes) pipeline.add(items[i].definition, items[i].args);
        const results = await pipeline.execSettled();
        await Promise.all(
          group.indexes.map(async (index, j) => {
            const result = results[j];
            if (!isRedirectable(result)) {
              out[index] = result;
              return;
            }
            const { definition, args } = items[index];
            out[index] = await this.#cluster[RECOVER](result, definition, args, this.#slots[index], group.address).then(
              (value) => value,
              (err: unknown) => err,
            );
          }),
        );
      }),
    );
    return out as Settled<unknown[]>;
  }
}

/**
 * A transaction over the cluster: every key of every command must be in one slot (thrown at
 * queueing otherwise), and it runs on that slot's master. When the slot moved (EXECABORT with a
 * MOVED inside: nothing ran), the map is corrected and the transaction sent again.
 */
export class ClusterMulti<S> extends Multi<unknown[], S> {
  readonly #cluster: ClusterInternals<S>;
  #slot = -1;

  constructor(cluster: ClusterInternals<S>) {
    super(undefined as never, () => undefined, false);
    this.#cluster = cluster;
  }

  protected override queue(definition: CommandDefinition, args: readonly Arg[]): this {
    const slot = sharedSlot([this.#slot, commandSlot(definition, args)]);
    if (slot === CROSS_SLOT) throw crossSlot(definition.name, 'the keys of a transaction');
    super.queue(definition, args);
    this.#slot = slot;
    return this;
  }

  // On a node's shared connections, where WATCH is refused: EXEC never aborts.
  override async execSettled(): Promise<Settled<unknown[]>> {
    for (let attempt = 0; ; attempt++) {
      const { client } = await this.#cluster[TARGET](this.#slot, false);
      const dispatcher = client[DISPATCHER];
      const multi = new WireMulti(dispatcher, (cmds) => dispatcher.pool.dispatchBatch(cmds)?.id, false);
      for (const item of this.items) multi.add(item.definition, item.args);
      try {
        return (await multi.execSettled()) as Settled<unknown[]>;
      } catch (err) {
        const queued = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
        const moved = queued instanceof ReplyError && (queued.code === 'MOVED' || queued.code === 'ASK' || queued.code === 'TRYAGAIN') ? queued : undefined;
        if (moved === undefined || attempt >= 3) throw err;
        // Nothing ran (EXECABORT): learn where the slot is and try again.
        if (moved.code === 'MOVED') {
          const redirect = parseRedirect('MOVED', moved.message, '127.0.0.1');
          if (redirect !== undefined) this.#cluster[MAP]()?.move(redirect.slot, redirect.target);
        } else {
          await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
        }
      }
    }
  }
}

/** ERR_CROSS_SLOT, thrown before anything is sent. */
export function crossSlot(command: string, what: string): InstanceType<typeof ClusterError> {
  return new ClusterError(
    'ERR_CROSS_SLOT',
    `${command}: ${what} hash to different slots, and a cluster node serves one slot per command; put the keys in one slot with a hash tag ({user:1}:a, {user:1}:b)`,
    { command },
  );
}
