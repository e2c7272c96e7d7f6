/**
 * The BUILT package as an ESM consumer sees it: `import('leanredis')` resolves through the
 * exports map to dist/, exposes the public API and nothing private, loads no dependency, and
 * its client talks to a real server. Also the package.json contract (exports, types,
 * sideEffects, zero dependencies).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startRedisServer } from '../helpers/redis-server.ts';
import { DIST_INDEX, DIST_TYPES, ERROR_CLASSES, PACKAGE_DIR, PACKAGE_JSON, PRIVATE_NAMES, RUNTIME_EXPORTS, ensureBuilt, importedSpecifiers } from './built-package.mjs';

let server;
let lib;
before(async () => {
  await ensureBuilt();
  lib = await import('leanredis');
  server = await startRedisServer();
});
after(async () => {
  await server?.stop();
});

test('package.json: ESM, exports map with types first, sideEffects false, zero dependencies', () => {
  const pkg = PACKAGE_JSON;
  assert.equal(pkg.name, 'leanredis');
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.sideEffects, false);
  assert.equal(pkg.types, './dist/types/index.d.ts');
  assert.equal(pkg.main, './dist/index.js');
  assert.deepEqual(Object.keys(pkg.exports['.']), ['types', 'default'], 'the types condition must come first');
  assert.deepEqual(pkg.exports['.'], { types: './dist/types/index.d.ts', default: './dist/index.js' });
  assert.equal(pkg.exports['./package.json'], './package.json');
  for (const field of ['dependencies', 'optionalDependencies', 'bundleDependencies', 'bundledDependencies']) {
    assert.ok(pkg[field] === undefined || Object.keys(pkg[field]).length === 0, `${field} must be empty: ${JSON.stringify(pkg[field])}`);
  }
  // Peers only for the leanredis/otel subpath, and optional: npm installs nothing for the core.
  assert.deepEqual(Object.keys(pkg.peerDependencies ?? {}), ['@opentelemetry/api']);
  for (const peer of Object.keys(pkg.peerDependencies ?? {})) assert.equal(pkg.peerDependenciesMeta?.[peer]?.optional, true, `${peer} must be an optional peer`);
  assert.match(pkg.engines.node, /^>=\s*20\.19/);
  assert.ok(pkg.files.includes('dist'), 'dist is published');
  // Every exports target exists after the build.
  for (const target of [pkg.main, pkg.types, ...Object.values(pkg.exports['.'])]) {
    assert.ok(existsSync(join(PACKAGE_DIR, target)), `${target} exists`);
  }
});

test('the bundled declarations export the public API', () => {
  const dts = readFileSync(DIST_TYPES, 'utf8');
  for (const name of [...RUNTIME_EXPORTS, 'ClientOptions', 'CallOptions', 'ClientStats', 'Key', 'Value', 'ErrorCode', 'Settled']) {
    assert.match(dts, new RegExp(`\\b${name}\\b`), `index.d.ts mentions ${name}`);
  }
});

test('the built JavaScript imports only node: built-ins and its own chunks', () => {
  const dist = join(PACKAGE_DIR, 'dist');
  const files = readdirSync(dist).filter((f) => f.endsWith('.js'));
  assert.ok(files.includes('index.js'));
  for (const file of files) {
    const source = readFileSync(join(dist, file), 'utf8');
    for (const spec of importedSpecifiers(source)) {
      const ok = spec.startsWith('node:') || (spec.startsWith('./') && files.includes(spec.slice(2)));
      assert.ok(ok, `${file} loads "${spec}": the package must have no runtime dependency`);
    }
    assert.ok(!/\bsourceMappingURL=/.test(source) || existsSync(join(dist, `${file}.map`)), 'no dangling source map');
  }
});

test("import('leanredis') resolves through the exports map to dist/index.js", () => {
  assert.equal(import.meta.resolve('leanredis'), pathToFileURL(DIST_INDEX).href);
  assert.equal(import.meta.resolve('leanredis/package.json'), pathToFileURL(join(PACKAGE_DIR, 'package.json')).href);
});

test('deep imports are closed by the exports map', async () => {
  for (const deep of ['leanredis/dist/index.js', 'leanredis/src/index.ts', 'leanredis/dist/types/index.d.ts']) {
    await assert.rejects(import(deep), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }, deep);
  }
});

test('the module exposes createClient and every error class, and nothing private', () => {
  for (const name of RUNTIME_EXPORTS) assert.equal(typeof lib[name], 'function', `${name} is exported`);
  for (const name of PRIVATE_NAMES) assert.equal(lib[name], undefined, `${name} stays private`);
  assert.equal(lib.default, undefined, 'named exports only');
});

test('error classes keep their names in the bundle and form one hierarchy', () => {
  for (const name of ERROR_CLASSES) {
    const Class = lib[name];
    assert.equal(Class.name, name, 'the bundler must not rename classes (err.name comes from it)');
    assert.ok(Class === lib.LeanRedisError || Class.prototype instanceof lib.LeanRedisError, `${name} extends LeanRedisError`);
    assert.ok(Class.prototype instanceof Error);
  }
  assert.ok(lib.ConnectTimeoutError.prototype instanceof lib.ConnectionError);
  const reply = new lib.ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value', 'GET');
  assert.equal(reply.code, 'WRONGTYPE');
  assert.equal(reply.name, 'ReplyError');
  assert.equal(reply.command, 'GET');
  const aborted = new lib.AbortError('GET');
  assert.equal(aborted.name, 'AbortError');
  assert.equal(aborted.code, 'ABORT_ERR');
  assert.equal(new lib.ClientClosedError().code, 'ERR_CLIENT_CLOSED');
  assert.equal(lib.hasCode(aborted, 'ABORT_ERR'), true);
  assert.equal(lib.hasCode(new Error('x'), 'ABORT_ERR'), false);
});

test('a client from the built package runs commands against a real server', async () => {
  const client = lib.createClient(server.url);
  assert.ok(client instanceof lib.Client);
  try {
    assert.equal(await client.ping(), 'PONG');
    const key = `esm-import:${process.pid}`;
    assert.equal(await client.set(key, 'v'), 'OK');
    assert.deepEqual(await client.pipeline().get(key).incr(`${key}:n`).exec(), ['v', 1]);
    await assert.rejects(client.incr(key), (err) => err instanceof lib.ReplyError && err instanceof lib.LeanRedisError && err.command === 'INCR');
    assert.throws(() => client.get(null), (err) => err instanceof lib.ArgumentError && err.code === 'ERR_INVALID_ARGUMENT');
    await client.del([key, `${key}:n`]);
  } finally {
    await client.close();
  }
  await assert.rejects(client.ping(), (err) => err instanceof lib.ClientClosedError);
  assert.throws(() => lib.createClient({ port: 0 }), (err) => err instanceof lib.ArgumentError && err.code === 'ERR_INVALID_OPTION');
});

test('plain Node (no tsx) imports the built package and pings the server', () => {
  const script = `
    const lib = await import('leanredis');
    const client = lib.createClient(process.argv[1]);
    const pong = await client.ping();
    await client.close();
    console.log(JSON.stringify({ pong, exports: Object.keys(lib).sort(), url: import.meta.resolve('leanredis') }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, server.url], { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.pong, 'PONG');
  assert.equal(out.url, pathToFileURL(DIST_INDEX).href);
  assert.deepEqual(out.exports, Object.keys(lib).sort());
  assert.equal(r.stderr, '', 'no warnings on import');
});
