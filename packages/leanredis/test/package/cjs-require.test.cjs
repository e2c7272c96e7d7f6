/**
 * The BUILT package as a CommonJS consumer sees it: `require('leanredis')` loads the ESM build
 * (Node >= 20.19 requires ESM natively), with the same module instance and class identity as
 * `import('leanredis')`, and its client talks to a real server.
 *
 * The decisive checks run in a plain `node` child: under the test runner, tsx hooks require()
 * and would hand back its own transpiled copy of the module.
 */
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS file loads everything with require(), and this test is about require() */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

let server;
let built;
before(async () => {
  built = await import('./built-package.mjs');
  await built.ensureBuilt();
  const { startRedisServer } = await import('../helpers/redis-server.ts');
  server = await startRedisServer();
});
after(async () => {
  await server?.stop();
});

/** Runs a CommonJS script in plain Node (no loader hooks) from the package directory. */
function runPlainNode(script, ...args) {
  const r = spawnSync(process.execPath, ['-e', script, ...args], { cwd: built.PACKAGE_DIR, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `child failed:\n${r.stderr}`);
  return { out: JSON.parse(r.stdout), stderr: r.stderr };
}

test("require.resolve('leanredis') goes through the exports map to dist/index.js", () => {
  const { out } = runPlainNode(`
    console.log(JSON.stringify({
      main: require.resolve('leanredis'),
      pkg: require.resolve('leanredis/package.json'),
      requireModule: process.features.require_module === true,
    }));
  `);
  assert.equal(out.main, built.DIST_INDEX);
  assert.equal(out.pkg, join(built.PACKAGE_DIR, 'package.json'));
  assert.equal(out.requireModule, true, 'this Node loads ESM from require()');
});

test("require('leanredis') exposes createClient and every error class, the same instances as import()", () => {
  const { out, stderr } = runPlainNode(
    `
    const names = JSON.parse(process.argv[1]);
    const required = require('leanredis');
    import('leanredis').then((imported) => {
      console.log(JSON.stringify({
        missing: names.filter((n) => typeof required[n] !== 'function'),
        sameNamespace: required === imported,
        sameClasses: names.filter((n) => required[n] !== imported[n]),
        names: names.filter((n) => /Error$/.test(n) && required[n].name !== n),
        crossInstanceof: new required.ReplyError('WRONGTYPE x') instanceof imported.LeanRedisError,
        keys: Object.keys(required).sort(),
      }));
    });
  `,
    JSON.stringify(built.RUNTIME_EXPORTS),
  );
  assert.deepEqual(out.missing, []);
  assert.equal(out.sameNamespace, true, 'require() and import() share one module instance');
  assert.deepEqual(out.sameClasses, [], 'class identity is the same through require() and import()');
  assert.deepEqual(out.names, []);
  assert.equal(out.crossInstanceof, true);
  assert.equal(stderr, '', 'no ExperimentalWarning or other noise from require()');
});

test('a client from require() runs commands against a real server and closes cleanly', () => {
  const { out } = runPlainNode(
    `
    const { createClient, ReplyError, ArgumentError, ClientClosedError } = require('leanredis');
    (async () => {
      const client = createClient(process.argv[1]);
      const key = 'cjs-require:' + process.pid;
      const pong = await client.ping();
      await client.set(key, 'v');
      const tuple = await client.pipeline().get(key).incr(key + ':n').exec();
      const replyError = await client.incr(key).then(() => null, (e) => e instanceof ReplyError && e.command);
      let argumentError = null;
      try { client.get(null); } catch (e) { argumentError = e instanceof ArgumentError && e.code; }
      await client.del([key, key + ':n']);
      await client.close();
      const closed = await client.ping().then(() => null, (e) => e instanceof ClientClosedError && e.code);
      console.log(JSON.stringify({ pong, tuple, replyError, argumentError, closed }));
    })();
  `,
    server.url,
  );
  assert.deepEqual(out, { pong: 'PONG', tuple: ['v', 1], replyError: 'INCR', argumentError: 'ERR_INVALID_ARGUMENT', closed: 'ERR_CLIENT_CLOSED' });
});

test('require() inside the test runner works too and pings the server', async () => {
  // Under tsx this goes through its require hook; the plain-Node tests above are the real check.
  const lib = require('leanredis');
  for (const name of built.RUNTIME_EXPORTS) assert.equal(typeof lib[name], 'function', name);
  const client = lib.createClient(server.url);
  try {
    assert.equal(await client.ping(), 'PONG');
  } finally {
    await client.close();
  }
});
