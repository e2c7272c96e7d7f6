// @ts-check
/**
 * The house's layering, checked by ESLint (`leanredis/layers`). docs/ARCHITECTURE.md explains
 * the rooms; this table is what is enforced. For every file under a room:
 *
 *   - an import (static, dynamic, `export ... from`, `import type` and `typeof import()` alike)
 *     may reach its own room, or a room of a LOWER layer, unless the room lists exactly what it
 *     may import (`only`: the public surface);
 *   - the client package imports no package but `node:*` built-ins (zero runtime dependencies);
 *   - `packages/cli` reaches the client only through `leanredis` and the subpaths its `exports`
 *     map publishes, never by a relative path or a deep import;
 *   - a file of packages/leanredis/src opens with its layer: `// @layer L4 pool` (the rule
 *     inserts it under `eslint --fix`).
 *
 * A new folder of packages/leanredis/src needs a row here (the rule reports files outside every
 * room). Tests, bench/ and scripts/ are not rooms: they may import anything.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = 'packages/leanredis/src/';
const INDEX = `${SRC}index.ts`;
const CHANNELS = `${SRC}internal/channels.ts`;

/**
 * @typedef {object} Room
 * @property {string} name        the room's name, as the header says it
 * @property {string} path        a folder (ending in '/') or a file, relative to the repository
 * @property {number | null} layer  L<n>; null: the public surface, which may import every room
 * @property {string[]} [only]    files this room may import instead of "lower layers" (exact paths)
 */

/** @type {Room[]} the rooms of packages/leanredis, most specific path first */
export const ROOMS = [
  { name: 'errors', path: `${SRC}errors.ts`, layer: 0 },
  { name: 'internal', path: `${SRC}internal/`, layer: 0 },
  { name: 'resp', path: `${SRC}resp/`, layer: 1 },
  { name: 'commands', path: `${SRC}commands/`, layer: 2 },
  { name: 'connection', path: `${SRC}connection/`, layer: 3 },
  { name: 'pool', path: `${SRC}pool/`, layer: 4 },
  // Topology, slot routing, failover. Both compose pools; neither imports the other.
  { name: 'cluster', path: `${SRC}cluster/`, layer: 5 },
  // Sentinel is built over the public surface plus one internal seam (the client's TOPOLOGY
  // option), so it is bundled apart and `leanredis` pays nothing for it (docs/sentinel.md).
  { name: 'sentinel', path: `${SRC}sentinel/`, layer: 7, only: [INDEX] },
  { name: 'client', path: `${SRC}client/`, layer: 6 },
  // Above the client: only what a user can import, plus (otel) the diagnostics channels' names
  // and payload types, which are a published contract (docs/observability.md), and (otel,
  // diagnostics) the types of the duration sink they install their recorders in (through the
  // core's __internals: no core source is bundled into them).
  { name: 'diagnostics', path: `${SRC}diagnostics/`, layer: 7, only: [INDEX, `${SRC}internal/duration-sink.ts`] },
  { name: 'otel', path: `${SRC}otel/`, layer: 7, only: [INDEX, CHANNELS, `${SRC}internal/duration-sink.ts`] },
  { name: 'compat', path: `${SRC}compat/`, layer: 7, only: [INDEX] },
  // The cluster client (subpath leanredis/cluster, bundled apart): the core through its public
  // entry only (a second copy of it in the subpath's bundle otherwise), and the topology room.
  { name: 'cluster-client', path: `${SRC}cluster-client/`, layer: 7, only: [INDEX, `${SRC}cluster/`, `${SRC}internal/crc16.ts`] },
  // The bundle entries: what a user imports, and what the first client loads (build.mjs).
  { name: 'surface', path: INDEX, layer: null },
  { name: 'surface', path: `${SRC}extras.ts`, layer: null },
  // Subpath entries bundled apart (`leanredis/cluster`).
  { name: 'surface', path: `${SRC}cluster.ts`, layer: null },
];

const CLI = 'packages/cli/';

/** @returns {Room | undefined} */
function roomOf(/** @type {string} */ file) {
  return ROOMS.find((r) => (r.path.endsWith('/') ? file.startsWith(r.path) : file === r.path));
}

function label(/** @type {Room} */ room) {
  return room.layer === null ? room.name : `L${room.layer} ${room.name}`;
}

/** Repository-relative path with '/' separators; sources import './x.js' for './x.ts'. */
function repoPath(/** @type {string} */ absolute) {
  return relative(ROOT, absolute).split(sep).join('/').replace(/\.js$/, '.ts');
}

/** @returns {Set<string>} the subpaths `leanredis` publishes, e.g. '.', './diagnostics' */
function publishedSubpaths() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/leanredis/package.json'), 'utf8'));
  return new Set(Object.keys(pkg.exports ?? { '.': null }));
}

/**
 * Why `source` may not be imported from `file` (both repository-relative), or undefined.
 * @param {string} file
 * @param {string} source the import specifier as written
 * @returns {string | undefined}
 */
export function violation(file, source) {
  const isRelative = source.startsWith('.');
  if (file.startsWith(CLI)) {
    if (isRelative) {
      const target = repoPath(resolve(ROOT, dirname(file), source));
      return target.startsWith(CLI) ? undefined : `packages/cli reaches the client only through the published 'leanredis' entry points, not by a relative path ('${source}')`;
    }
    if (source === 'leanredis' || source.startsWith('leanredis/')) {
      const subpath = source === 'leanredis' ? '.' : `./${source.slice('leanredis/'.length)}`;
      if (!publishedSubpaths().has(subpath)) return `'${source}' is not an entry point of leanredis's exports map; import 'leanredis' or a published subpath`;
    }
    return undefined;
  }
  if (!file.startsWith(SRC)) return undefined;
  const from = roomOf(file);
  if (from === undefined) return undefined; // reported once for the file (Program)
  if (!isRelative) {
    return source.startsWith('node:') ? undefined : `the client has zero runtime dependencies: import only node:* built-ins, not '${source}'`;
  }
  const target = repoPath(resolve(ROOT, dirname(file), source));
  if (!target.startsWith(SRC)) return `${label(from)} imports outside packages/leanredis/src ('${source}')`;
  const to = roomOf(target);
  if (to === undefined) return `'${source}' is in no room of the layer table`;
  if (to === from) return undefined;
  if (from.only !== undefined) {
    return from.only.some((p) => (p.endsWith('/') ? target.startsWith(p) : p === target)) ? undefined : `${label(from)} uses the public API only: import '${relative(dirname(file), INDEX).replace(/\.ts$/, '.js')}'${from.only.length > 1 ? ' (or the diagnostics channels)' : ''}, not '${source}'`;
  }
  if (from.layer === null) return undefined;
  if (to.layer === null) return `${label(from)} may not import the public surface ('${source}'): import the module itself`;
  if (to.layer < from.layer) return undefined;
  if (to.layer === from.layer) return `${label(from)} and ${label(to)} are side by side: neither imports the other ('${source}')`;
  return `upward import: ${label(from)} may not import ${label(to)} ('${source}'); a layer imports only layers below it (docs/ARCHITECTURE.md)`;
}

/** @param {string} file @returns {string | undefined} the header line a file must open with */
export function expectedHeader(file) {
  if (!file.startsWith(SRC)) return undefined;
  const room = roomOf(file);
  return room === undefined ? undefined : `// @layer ${label(room)}`;
}

/** @type {import('eslint').Rule.RuleModule} */
export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'a layer imports only layers below it; every source file names its layer' },
    fixable: 'code',
    schema: [],
  },
  create(context) {
    const file = repoPath(context.filename);
    if (!file.startsWith(SRC) && !file.startsWith(CLI)) return {};
    /** @param {import('estree').Node} node @param {unknown} source */
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      const why = violation(file, source);
      if (why !== undefined) context.report({ node, message: why });
    };
    return {
      Program(node) {
        if (file.startsWith(SRC) && roomOf(file) === undefined) {
          context.report({ node, loc: { line: 1, column: 0 }, message: `${file} is in no room of the layer table (scripts/eslint-layers.js); add one` });
          return;
        }
        const header = expectedHeader(file);
        if (header === undefined) return;
        const firstLine = context.sourceCode.lines[0] ?? '';
        if (firstLine === header) return;
        const isLayerLine = firstLine.startsWith('// @layer');
        context.report({
          node,
          loc: { line: 1, column: 0 },
          message: `the file must open with its layer: '${header}'${isLayerLine ? `, not '${firstLine}'` : ''}`,
          fix: (fixer) => (isLayerLine ? fixer.replaceTextRange([0, firstLine.length], header) : fixer.insertTextBeforeRange([0, 0], `${header}\n`)),
        });
      },
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      /** `typeof import('../x.js')` and `import('../x.js').T` in types */
      TSImportType(/** @type {any} */ node) {
        // typescript-eslint 8: node.argument is a TSLiteralType whose literal holds the string.
        const literal = node.argument?.literal ?? node.argument;
        if (literal?.type === 'Literal') check(node, literal.value);
      },
    };
  },
};

/** The plugin registered in eslint.config.js. */
export default { rules: { layers: layersRule } };
