// @layer L7 cluster-client
import type { MessageListener, SubscribeOptions, Subscription, SubscriptionKind } from '../index.js';
import * as core from '../index.js';

const { ArgumentError } = core;

/**
 * A subscription of the cluster client: the node subscription it rides on now, moved to the
 * slot's new master when the slot map says it changed (a resharding, a failover). The listener
 * keeps receiving; there may be a short overlap (a message twice) or gap while it moves.
 */
export class ClusterSubscription<S> {
  readonly kind: SubscriptionKind;
  readonly names: readonly string[];
  readonly slot: number;
  readonly listener: MessageListener<S>;
  readonly options: SubscribeOptions | undefined;
  node: string;
  current: Subscription<S>;
  #isClosed = false;
  readonly #onClose: (sub: ClusterSubscription<S>) => void;

  constructor(kind: SubscriptionKind, names: readonly string[], slot: number, listener: MessageListener<S>, options: SubscribeOptions | undefined, node: string, current: Subscription<S>, onClose: (sub: ClusterSubscription<S>) => void) {
    this.kind = kind;
    this.names = names;
    this.slot = slot;
    this.listener = listener;
    this.options = options;
    this.node = node;
    this.current = current;
    this.#onClose = onClose;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  get dropped(): number {
    return this.current.dropped;
  }

  get buffered(): number {
    return this.current.buffered;
  }

  async unsubscribe(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#onClose(this);
    await this.current.unsubscribe();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.unsubscribe();
  }

  [Symbol.asyncIterator](): never {
    throw new ArgumentError('this subscription has a listener; iterate a subscription made without one', 'ERR_INVALID_ARGUMENT');
  }
}
