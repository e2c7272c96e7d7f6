// @layer L7 diagnostics
/**
 * L7 diagnostics: the clients a memory watch samples. Clients are registered explicitly
 * (`watch.add(client)`) or seen as they are created: `createClient` calls the listeners in a
 * process-wide set under a registered symbol (see client/client.ts), synchronously, so the
 * listener can capture the caller's stack (where the client, and later its sockets, came
 * from). Clients are held weakly and dropped once closed.
 */
import type { Client } from '../index.js';
import { callSiteOf, captureStack, type CallSite } from './call-sites.js';

/** The part of a client the watch uses: its public API only. */
export type WatchableClient = Pick<Client<unknown>, 'stats' | 'isOpen' | 'toJSON'>;

// Shared with the core (client/client.ts) by name: Symbol.for gives every copy of the package
// the same symbol, so a watch also sees the clients of a second installed copy.
const CLIENT_CREATED = Symbol.for('leanredis.client.created');
type CreatedListener = (client: WatchableClient) => void;
type Hooked = { [CLIENT_CREATED]?: Set<CreatedListener> };

/** Calls `listener` with every client created from now on; returns the function that stops it. */
export function onClientCreated(listener: CreatedListener): () => void {
  const g = globalThis as Hooked;
  const set = (g[CLIENT_CREATED] ??= new Set());
  set.add(listener);
  return () => {
    set.delete(listener);
    // With nobody listening the core's check is one property read that finds nothing.
    if (set.size === 0 && g[CLIENT_CREATED] === set) delete g[CLIENT_CREATED];
  };
}

export interface RegisteredClient {
  id: number;
  ref: WeakRef<WatchableClient>;
  address: string;
  createdAt: CallSite | undefined;
}

function addressOf(client: WatchableClient): string {
  const address = (client.toJSON() as { address?: unknown }).address;
  return typeof address === 'string' ? address : 'unknown';
}

export class ClientRegistry {
  readonly #clients = new Map<number, RegisteredClient>();
  readonly #ids = new WeakMap<WatchableClient, number>();
  #next = 1;

  /** Registers a client (once); `stack` is where it was created, when known. Returns its id. */
  add(client: WatchableClient, stack?: string): number {
    const known = this.#ids.get(client);
    if (known !== undefined && this.#clients.has(known)) return known;
    const id = this.#next++;
    this.#ids.set(client, id);
    this.#clients.set(id, { id, ref: new WeakRef(client), address: addressOf(client), createdAt: stack === undefined ? undefined : callSiteOf(stack) });
    return id;
  }

  /** The listener for onClientCreated: registers the new client with the caller's stack. */
  readonly onCreated = (client: WatchableClient): void => {
    this.add(client, captureStack());
  };

  remove(client: WatchableClient): boolean {
    const id = this.#ids.get(client);
    return id !== undefined && this.#clients.delete(id);
  }

  /** The open clients, dropping those closed or collected since the last call. */
  live(): { entry: RegisteredClient; client: WatchableClient }[] {
    const out: { entry: RegisteredClient; client: WatchableClient }[] = [];
    for (const [id, entry] of this.#clients) {
      const client = entry.ref.deref();
      if (client === undefined || !client.isOpen) this.#clients.delete(id);
      else out.push({ entry, client });
    }
    return out;
  }

  /** Registered clients with this address. */
  byAddress(address: string): RegisteredClient[] {
    return [...this.#clients.values()].filter((c) => c.address === address);
  }

  clear(): void {
    this.#clients.clear();
  }
}
