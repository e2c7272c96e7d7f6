// @layer L2 commands
/**
 * Commands that change the state of the connection that runs them. The typed ones exist on
 * leases only (`await using conn = await client.acquire()`): on the client they would change
 * one of the pool's shared connections under everyone else's commands, so they are refused
 * there, through `call()` too. A lease whose connection ran one is closed on release rather
 * than handed to the next borrower (the definition's `state`).
 */
import { checkInteger, keyList } from './arguments.js';
import { define, EVERY_KEY, type CommandDefinition, type Keys } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';

/** Commands of a leased connection's own state. */
export interface ConnectionCommands<K extends Kind> {
  /** SELECT index: switches this connection to another database (the `database` option sets the pool's). */
  select(database: number): Out<K, 'OK'>;
  /**
   * WATCH key [key ...]: a later MULTI/EXEC on this connection (`lease.multi()`) aborts if any
   * of the keys changed. `client.watch(keys, body)` does the whole dance, with retries.
   */
  watch(keys: Keys): Out<K, 'OK'>;
  /** UNWATCH: forgets every watched key of this connection. */
  unwatch(): Out<K, 'OK'>;
  /** CLIENT SETNAME name: names this connection in CLIENT LIST (the `clientName` option names the pool's). */
  clientSetName(name: string): Out<K, 'OK'>;
  /**
   * CLIENT NO-EVICT ON|OFF: exempts this connection from client eviction (maxmemory-clients).
   * It lasts as long as the connection, which is closed on release.
   */
  clientNoEvict(enabled: boolean): Out<K, 'OK'>;
  /** READONLY: lets this connection read from a cluster replica. */
  readOnly(): Out<K, 'OK'>;
  /** READWRITE: ends READONLY on this connection. */
  readWrite(): Out<K, 'OK'>;
}

/** The family's definitions, built on first use (see commands/table.ts). */
export const connectionCommands = (): Definitions<ConnectionCommands<DefinitionKind>> => ({
  select: define('SELECT', { build: (database: number) => [checkInteger('select', 'database', database, 0)], keys: [], state: 'leaves' }),
  watch: define('WATCH', { build: (keys: Keys) => keyList('watch', keys), keys: EVERY_KEY, state: 'watch' }),
  unwatch: define('UNWATCH', { arity: 0, keys: [], state: 'unwatch' }),
  clientSetName: define('CLIENT SETNAME', { keys: [], state: 'leaves' }),
  clientNoEvict: define('CLIENT NO-EVICT', { build: (enabled: boolean) => [enabled ? 'ON' : 'OFF'], keys: [], state: 'leaves' }),
  readOnly: define('READONLY', { arity: 0, keys: [], state: 'leaves' }),
  readWrite: define('READWRITE', { arity: 0, keys: [], state: 'leaves' }),
});

/**
 * Commands without a typed method whose effect on a connection still matters when they are
 * sent through `call()`: the transaction and pub/sub commands (the `multi()` builder and
 * `subscribe()` own them), and those that would break the connection for a pool (HELLO, AUTH,
 * QUIT, RESET, CLIENT REPLY, MONITOR). Known by name, never installed as methods.
 */
// Shard channels route like keys (their slot) without being keys.
const SHARD_CHANNELS = [{ index: 0, lastKey: -1, notKey: true }];

export function stateCommands(): CommandDefinition[] {
  const leaves = { arity: Infinity, keys: [], state: 'leaves' } as const;
  return [
    define('MULTI', leaves),
    define('EXEC', { arity: 0, keys: [], state: 'unwatch' }),
    define('DISCARD', { arity: 0, keys: [], state: 'unwatch' }),
    define('SUBSCRIBE', leaves),
    define('PSUBSCRIBE', leaves),
    define('SSUBSCRIBE', { ...leaves, keys: SHARD_CHANNELS }),
    define('UNSUBSCRIBE', leaves),
    define('PUNSUBSCRIBE', leaves),
    define('SUNSUBSCRIBE', { ...leaves, keys: SHARD_CHANNELS }),
    define('MONITOR', leaves),
    define('HELLO', leaves),
    define('AUTH', leaves),
    define('QUIT', leaves),
    define('RESET', leaves),
    define('CLIENT REPLY', leaves),
    define('CLIENT TRACKING', leaves),
    define('CLIENT CACHING', leaves),
    define('SYNC', leaves),
    define('PSYNC', leaves),
  ];
}
