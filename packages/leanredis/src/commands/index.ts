// @layer L2 commands
/**
 * The command table and the typed surface every executor derives from it. Adding a command
 * means adding its method to a family's interface (with its documentation) and its definition
 * to the family's builder; client, leases, pipelines and transactions pick it up.
 */
import { ArgumentError } from '../errors.js';
import type { Arg } from '../resp/encoder.js';
import { encodeName } from '../resp/encoder.js';
import { define, type CommandDefinition, type KeySpec } from './define.js';
import type { PromiseKind, Kind } from './kinds.js';
import type { CommandTable } from './table.js';
import { loadTable } from './table-loader.js';
import type { StringCommands } from './strings.js';
import type { KeyCommands } from './keys.js';
import type { HashCommands } from './hashes.js';
import type { SetCommands } from './sets.js';
import type { SortedSetCommands } from './sorted-sets.js';
import type { SortedSetRangeCommands } from './sorted-sets-range.js';
import type { ListCommands } from './lists.js';
import type { HyperLogLogCommands } from './hyperloglog.js';
import type { BitmapCommands } from './bitmaps.js';
import type { GeoCommands } from './geo.js';
import type { ServerCommands } from './server.js';
import type { ScriptingCommands } from './scripting.js';
import type { ConnectionCommands } from './connection.js';
import type { StreamCommands } from './streams.js';
import type { StreamGroupCommands } from './stream-groups.js';
import type { PubSubCommands } from './pubsub.js';
import type { ServerAdminCommands } from './server-admin.js';
import type { IntrospectionCommands } from './introspection.js';
import type { AclCommands } from './acl.js';
import type { ClusterInfoCommands } from './cluster-info.js';
import type { SortMigrateCommands } from './sort-migrate.js';

export type { CommandTable };

/** Every command method of the client, leases, pipelines and transactions, for executors of kind `K`. */
export interface CommandMethods<K extends Kind>
  extends StringCommands<K>,
    KeyCommands<K>,
    HashCommands<K>,
    SetCommands<K>,
    SortedSetCommands<K>,
    SortedSetRangeCommands<K>,
    ListCommands<K>,
    HyperLogLogCommands<K>,
    BitmapCommands<K>,
    GeoCommands<K>,
    ServerCommands<K>,
    ScriptingCommands<K>,
    StreamCommands<K>,
    StreamGroupCommands<K>,
    PubSubCommands<K>,
    ServerAdminCommands<K>,
    IntrospectionCommands<K>,
    AclCommands<K>,
    ClusterInfoCommands<K>,
    SortMigrateCommands<K> {}

/** Commands that change their connection's state: on leases only. */
export interface LeaseCommandMethods<K extends Kind> extends ConnectionCommands<K> {}

/** Typed command methods returning promises (`Commands<Buffer>` for a returnBuffers client). */
export type Commands<S = string> = CommandMethods<PromiseKind<S>>;

/** The funnel every executor implements: send one command definition with its method arguments. */
export const SEND: unique symbol = Symbol('leanredis.send');

export interface Executor {
  [SEND](definition: CommandDefinition, args: unknown[]): unknown;
}

const targets: object[] = [];
let table: CommandTable | undefined;
// Apart from `table`: the table may be built (commandTable(), call()) before any executor exists.
let isInstalled = false;

/** The command table, built on first call. */
export function commandTable(): CommandTable {
  return (table ??= loadTable());
}

/**
 * Registers a prototype to receive every command as a method calling `this[SEND]`. The
 * methods are created once, shared by every registered prototype, and installed by
 * `ensureCommands()` (called by the executors' constructors), not at import.
 */
export function installCommands(target: { prototype: object }): void {
  targets.push(target.prototype);
  if (isInstalled) install([target.prototype]);
}

/** Installs the command methods on every registered prototype, once. */
export function ensureCommands(): void {
  if (isInstalled) return;
  isInstalled = true;
  install(targets);
}

function install(prototypes: object[]): void {
  const commands = commandTable().methods;
  for (const name of Object.keys(commands)) {
    const definition = commands[name];
    const method = function (this: Executor, ...args: unknown[]) {
      return this[SEND](definition, args);
    };
    Object.defineProperty(method, 'name', { value: name });
    for (const prototype of prototypes) Object.defineProperty(prototype, name, { value: method, writable: true, configurable: true });
  }
}

// ---- call(): any command by name -----------------------------------------------------------

let byName: Map<string, CommandDefinition> | undefined;
const callDefinitions = new Map<string, CommandDefinition>();

/** The table's definitions by command name ("GET", "CLIENT KILL"); the first one of each name. */
function definitionsByName(): Map<string, CommandDefinition> {
  if (byName !== undefined) return byName;
  byName = new Map();
  const { methods, others } = commandTable();
  for (const d of [...Object.values(methods), ...others]) if (!byName.has(d.name)) byName.set(d.name, d);
  return byName;
}

function shift(specs: readonly KeySpec[], by: number): readonly KeySpec[] {
  return specs.map((s) => (s.keyword === undefined ? { ...s, index: (s.index ?? 0) + by } : { ...s, startFrom: (s.startFrom ?? 0) >= 0 ? (s.startFrom ?? 0) + by : s.startFrom }));
}

/** The table's definition of a command by its name ('SCAN', 'CLIENT KILL'); undefined for one not in the table. */
export function tableDefinition(name: string): CommandDefinition | undefined {
  return definitionsByName().get(name);
}

/**
 * A definition for `call(command, ...args)`: the name is sent as given and the arguments as
 * they are, while what the table knows about the command (read-only, keys, blocking, connection
 * state) still applies, so `call('BLPOP', ...)` runs on a lease and `call('SELECT', 1)` is
 * refused on the shared connection like `select()`. A subcommand is found from the first
 * argument (`call('CLIENT', 'TRACKING', 'ON')`). Cached, bounded.
 */
export function definitionFor(command: string, args: readonly Arg[]): CommandDefinition {
  // No command to name yet: the error belongs to call() (a TypeError on undefined, before).
  if (typeof command !== 'string' || command === '') {
    throw new ArgumentError(`call: the command must be a non-empty string, got ${command === '' ? 'an empty string' : command === null ? 'null' : typeof command}`, 'ERR_INVALID_ARGUMENT');
  }
  const upper = command.toUpperCase();
  const first = args[0];
  const sub = typeof first === 'string' ? `${upper} ${first.toUpperCase()}` : undefined;
  const cacheKey = sub !== undefined && definitionsByName().has(sub) ? sub : upper;
  let d = callDefinitions.get(cacheKey);
  if (d === undefined) {
    const known = definitionsByName().get(cacheKey);
    const base = known ?? define(upper, { arity: Infinity });
    d = {
      ...base,
      name: upper,
      method: 'call',
      build: undefined,
      transform: undefined,
      arity: Infinity,
      // The subcommand is the first argument here: key positions move by one.
      keys: known === undefined ? undefined : known.tokens > 1 ? shift(known.keys ?? [], known.tokens - 1) : known.keys,
      block: known !== undefined && known.tokens === 1 ? known.block : undefined,
      tokens: 1,
      prefix: encodeName([command]),
    };
    if (callDefinitions.size >= 512) callDefinitions.clear();
    callDefinitions.set(cacheKey, d);
  }
  return d;
}
