// @layer L2 commands
/**
 * Loads the command table. From the sources it is a static import; the build replaces this
 * file (build.mjs) with a synchronous require() of dist/extras.js, so the definitions are
 * read when the first client is created, not when the package is imported.
 */
import { buildTable, type CommandTable } from './table.js';

export function loadTable(): CommandTable {
  return buildTable();
}
