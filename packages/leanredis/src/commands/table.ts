// @layer L2 commands
/**
 * The command table: every family's definitions, merged, each told its method name. In the
 * published bundle this module is in dist/extras.js, loaded on the first client rather than at
 * import (see table-loader.ts): the definitions and their closures are most of what the package
 * would otherwise add to the heap of a process that only imports it.
 */
import type { CommandDefinition } from './define.js';
import { stringCommands } from './strings.js';
import { keyCommands } from './keys.js';
import { hashCommands } from './hashes.js';
import { setCommands } from './sets.js';
import { sortedSetCommands } from './sorted-sets.js';
import { sortedSetRangeCommands } from './sorted-sets-range.js';
import { listCommands } from './lists.js';
import { hyperLogLogCommands } from './hyperloglog.js';
import { bitmapCommands } from './bitmaps.js';
import { geoCommands } from './geo.js';
import { serverCommands } from './server.js';
import { scriptingCommands } from './scripting.js';
import { connectionCommands, stateCommands } from './connection.js';
import { streamCommands } from './streams.js';
import { streamGroupCommands } from './stream-groups.js';
import { pubSubCommands } from './pubsub.js';
import { serverAdminCommands } from './server-admin.js';
import { introspectionCommands } from './introspection.js';
import { aclCommands } from './acl.js';
import { clusterInfoCommands } from './cluster-info.js';
import { sortMigrateCommands } from './sort-migrate.js';

/** The table: typed methods, and the commands only `call()` sends whose effects still matter. */
export interface CommandTable {
  /** Method name → definition. */
  readonly methods: Readonly<Record<string, CommandDefinition>>;
  /** Definitions without a method (MULTI, SUBSCRIBE, HELLO...: see stateCommands). */
  readonly others: readonly CommandDefinition[];
}

/** Builds the table (once per process, by commandTable()). */
export function buildTable(): CommandTable {
  const methods: Record<string, CommandDefinition> = {
    ...stringCommands(),
    ...keyCommands(),
    ...hashCommands(),
    ...setCommands(),
    ...sortedSetCommands(),
    ...sortedSetRangeCommands(),
    ...listCommands(),
    ...hyperLogLogCommands(),
    ...bitmapCommands(),
    ...geoCommands(),
    ...serverCommands(),
    ...scriptingCommands(),
    ...streamCommands(),
    ...streamGroupCommands(),
    ...pubSubCommands(),
    ...serverAdminCommands(),
    ...introspectionCommands(),
    ...aclCommands(),
    ...clusterInfoCommands(),
    ...sortMigrateCommands(),
    ...connectionCommands(),
  } as Record<string, CommandDefinition>;
  for (const method of Object.keys(methods)) methods[method].method = method;
  return { methods, others: stateCommands() };
}
