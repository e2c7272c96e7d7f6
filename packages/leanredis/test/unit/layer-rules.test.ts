/**
 * The lint rule that keeps the layers (scripts/eslint-layers.js), run through ESLint itself with
 * the repository's own config: a deliberately upward import must fail `npm run lint`, and what
 * the architecture allows must pass. Sources are linted as text under the path they would have.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

/** The layer rule's messages for `code` linted as the file `path` (repository-relative). */
async function layerMessages(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
  return result.messages.filter((m) => m.ruleId === 'leanredis/layers').map((m) => m.message);
}

test('an upward import fails lint: the pool (L4) importing the client (L6)', async () => {
  const messages = await layerMessages('packages/leanredis/src/pool/upward.ts', "// @layer L4 pool\nimport { Client } from '../client/client.js';\nexport const x = Client;\n");
  assert.equal(messages.length, 1, messages.join('\n'));
  assert.match(messages[0], /upward import: L4 pool may not import L6 client/);
});

test('through the command line too: `eslint` exits non-zero on an upward import', async () => {
  const { spawnSync } = await import('node:child_process');
  const code = "// @layer L1 resp\nimport type { Pool } from '../pool/pool.js';\nexport type P = Pool;\n";
  const r = spawnSync(process.execPath, [`${ROOT}node_modules/eslint/bin/eslint.js`, '--max-warnings', '0', '--stdin', '--stdin-filename', 'packages/leanredis/src/resp/upward.ts'], {
    cwd: ROOT,
    input: code,
    encoding: 'utf8',
  });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /upward import: L1 resp may not import L4 pool/);
});

test('every form of import is checked: type-only, re-exports, dynamic import() and import types', async () => {
  const header = '// @layer L3 connection\n';
  const forms = [
    "import type { Pool } from '../pool/pool.js';\nexport type P = Pool;",
    "export { Pool } from '../pool/pool.js';",
    "export * from '../pool/pool.js';",
    "export const load = () => import('../pool/pool.js');",
    "export type P = import('../pool/pool.js').Pool;",
  ];
  for (const form of forms) {
    const messages = await layerMessages('packages/leanredis/src/connection/upward.ts', header + form + '\n');
    assert.equal(messages.length, 1, `${form}: ${messages.join('\n')}`);
    assert.match(messages[0], /upward import: L3 connection may not import L4 pool/, form);
  }
});

test('downward imports and imports within a room pass', async () => {
  assert.deepEqual(await layerMessages('packages/leanredis/src/client/fine.ts', "// @layer L6 client\nimport { Pool } from '../pool/pool.js';\nimport { RUN } from './runner.js';\nimport { ArgumentError } from '../errors.js';\nexport { Pool, RUN, ArgumentError };\n"), []);
  assert.deepEqual(await layerMessages('packages/leanredis/src/index.ts', "// @layer surface\nexport { Pool } from './pool/pool.js';\n"), []);
});

test('cluster and sentinel never import each other; sentinel uses the public API only', async () => {
  const messages = await layerMessages('packages/leanredis/src/cluster/slots.ts', "// @layer L5 cluster\nimport { x } from '../sentinel/monitor.js';\nexport { x };\n");
  assert.match(messages.join(), /L5 cluster may not import L7 sentinel/);
  assert.match((await layerMessages('packages/leanredis/src/sentinel/monitor.ts', "// @layer L7 sentinel\nimport { x } from '../cluster/slots.js';\nexport { x };\n")).join(), /public API only/);
  assert.match((await layerMessages('packages/leanredis/src/sentinel/monitor.ts', "// @layer L7 sentinel\nimport { Pool } from '../pool/pool.js';\nexport { Pool };\n")).join(), /public API only/);
  assert.deepEqual(await layerMessages('packages/leanredis/src/sentinel/monitor.ts', "// @layer L7 sentinel\nimport { createClient } from '../index.js';\nexport { createClient };\n"), []);
});

test('diagnostics and compat use the public API only; otel also the diagnostics channels', async () => {
  assert.deepEqual(await layerMessages('packages/leanredis/src/diagnostics/watch.ts', "// @layer L7 diagnostics\nimport { createClient } from '../index.js';\nexport { createClient };\n"), []);
  assert.match((await layerMessages('packages/leanredis/src/diagnostics/watch.ts', "// @layer L7 diagnostics\nimport { Pool } from '../pool/pool.js';\nexport { Pool };\n")).join(), /public API only/);
  assert.match((await layerMessages('packages/leanredis/src/compat/ioredis.ts', "// @layer L7 compat\nimport { Dispatcher } from '../client/dispatcher.js';\nexport { Dispatcher };\n")).join(), /public API only/);
  assert.deepEqual(await layerMessages('packages/leanredis/src/otel/bridge.ts', "// @layer L7 otel\nimport { channels } from '../internal/channels.js';\nimport type { Client } from '../index.js';\nexport { channels, type Client };\n"), []);
  assert.match((await layerMessages('packages/leanredis/src/otel/bridge.ts', "// @layer L7 otel\nimport { Pool } from '../pool/pool.js';\nexport { Pool };\n")).join(), /public API only/);
});

test('the client package imports no package but node:* built-ins', async () => {
  assert.match((await layerMessages('packages/leanredis/src/internal/dep.ts', "// @layer L0 internal\nimport x from 'lodash';\nexport { x };\n")).join(), /zero runtime dependencies/);
  assert.deepEqual(await layerMessages('packages/leanredis/src/internal/dep.ts', "// @layer L0 internal\nimport * as net from 'node:net';\nexport { net };\n"), []);
});

test('the CLI reaches the client only through its published entry points', async () => {
  assert.deepEqual(await layerMessages('packages/cli/src/commands/cost.ts', "import { createClient } from 'leanredis';\nimport { table } from '../report/table.js';\nexport { createClient, table };\n"), []);
  assert.match((await layerMessages('packages/cli/src/commands/cost.ts', "import { Pool } from '../../../leanredis/src/pool/pool.js';\nexport { Pool };\n")).join(), /only through the published 'leanredis' entry points/);
  assert.match((await layerMessages('packages/cli/src/commands/cost.ts', "import { x } from 'leanredis/dist/extras.js';\nexport { x };\n")).join(), /not an entry point of leanredis's exports map/);
});

test("a source file must open with its layer's header line", async () => {
  assert.match((await layerMessages('packages/leanredis/src/pool/x.ts', 'export const x = 1;\n')).join(), /must open with its layer: '\/\/ @layer L4 pool'/);
  assert.match((await layerMessages('packages/leanredis/src/pool/x.ts', '// @layer L3 connection\nexport const x = 1;\n')).join(), /not '\/\/ @layer L3 connection'/);
  const [fixed] = await new ESLint({ cwd: ROOT, fix: true }).lintText('/** Doc. */\nexport const x = 1;\n', { filePath: `${ROOT}packages/leanredis/src/pool/x.ts` });
  assert.equal(fixed.output, '// @layer L4 pool\n/** Doc. */\nexport const x = 1;\n');
});

test('a new folder of the client package must be given a room', async () => {
  assert.match((await layerMessages('packages/leanredis/src/newroom/x.ts', 'export const x = 1;\n')).join(), /in no room of the layer table/);
});
