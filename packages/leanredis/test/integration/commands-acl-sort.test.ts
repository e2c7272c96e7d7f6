/**
 * ACL, SORT, MIGRATE (to a second server), FUNCTION DUMP/RESTORE/STATS and EVALSHA_RO against
 * real servers, under RESP2 and RESP3: typed results are the same objects under both, and the
 * options are checked like every other command's (unknown keys and contradictions refused).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';
import { ArgumentError, ReplyError } from '../../src/index.ts';

const redis = useRedisServer();
let target: RedisServer;
before(async () => {
  target = await startRedisServer();
});
after(async () => {
  await target.stop();
});

const isOption = (method: string) => (err: unknown) => err instanceof ArgumentError && err.code === 'ERR_INVALID_OPTION' && err.message.startsWith(`${method}:`);
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

forEachProtocol((protocol) => {
  test('ACL: set, get, dry-run, list and delete a user; the log records a refusal', async () => {
    await using client = redis.client({ protocol });
    const user = `u${protocol}-${uniqueKey('acl').replace(/\W/g, '')}`;
    assert.equal(await client.aclSetUser(user, ['on', '>secret', '~app:*', '+get', '+acl|whoami']), 'OK');
    const got = await client.aclGetUser(user);
    // The server lists command rules in its own (hash) order.
    assert.deepEqual(plain({ ...got, passwords: got?.passwords.length, commands: got?.commands.split(' ').sort().join(' ') }), {
      flags: ['on'],
      passwords: 1,
      commands: '+acl|whoami +get -@all',
      keys: '~app:*',
      channels: '',
      selectors: [],
    });
    assert.equal(await client.aclGetUser('no-such-user'), null);
    assert.equal(await client.aclDryRun(user, ['GET', 'app:1']), 'OK');
    assert.match(await client.aclDryRun(user, ['SET', 'app:1', 'v']), /no permissions to run the 'set' command/);
    assert.ok((await client.aclUsers()).some((u) => u === user));
    assert.ok((await client.aclList()).some((line) => line.startsWith(`user ${user} on`)));
    assert.ok((await client.aclCat()).some((c) => c === 'read'));
    assert.ok((await client.aclCat('hyperloglog')).some((c) => c === 'pfadd'));
    assert.match(await client.aclGenPass(), /^[0-9a-f]{64}$/);
    assert.match(await client.aclGenPass(32), /^[0-9a-f]{8}$/);
    assert.equal(await client.aclWhoAmI(), 'default');

    await client.aclLogReset();
    await using limited = redis.client({ protocol, username: user, password: 'secret' });
    assert.equal(await limited.aclWhoAmI(), user);
    await assert.rejects(limited.set('app:1', 'v'), (err: unknown) => err instanceof ReplyError && err.code === 'NOPERM');
    const [entry] = await client.aclLog(1);
    assert.deepEqual([entry.count, entry.reason, entry.context, entry.object, entry.username], [1, 'command', 'toplevel', 'set', user]);
    assert.ok(entry.ageSeconds >= 0 && /id=\d+/.test(entry.clientInfo));
    assert.equal(await client.aclDelUser([user, 'no-such-user']), 1);
    await assert.rejects(client.aclSave(), (err: unknown) => err instanceof ReplyError);
  });

  test('sort: numbers, ALPHA, LIMIT, BY and GET patterns with missing keys as null; sortRo; sortStore', async () => {
    await using client = redis.client({ protocol });
    const p = uniqueKey('sort');
    const list = `${p}:list`;
    await client.rPush(list, ['3', '1', '2']);
    assert.deepEqual(await client.sort(list), ['1', '2', '3']);
    assert.deepEqual(await client.sort(list, { order: 'DESC', limit: { offset: 0, count: 2 } }), ['3', '2']);
    await client.mSet({ [`${p}:w:1`]: '30', [`${p}:w:2`]: '10', [`${p}:w:3`]: '20', [`${p}:name:1`]: 'one', [`${p}:name:3`]: 'three' });
    assert.deepEqual(await client.sort(list, { by: `${p}:w:*` }), ['2', '3', '1']);
    assert.deepEqual(await client.sort(list, { by: `${p}:w:*`, get: ['#', `${p}:name:*`] }), ['2', null, '3', 'three', '1', 'one']);
    await client.rPush(`${p}:words`, ['b', 'a']);
    assert.deepEqual(await client.sortRo(`${p}:words`, { alpha: true }), ['a', 'b']);
    await assert.rejects(client.sort(`${p}:words`), (err: unknown) => err instanceof ReplyError);
    assert.equal(await client.sortStore(list, `${p}:sorted`, { order: 'DESC' }), 3);
    assert.deepEqual(await client.lRange(`${p}:sorted`, 0, -1), ['3', '2', '1']);
    assert.throws(() => client.sort(list, { limit: { offset: 0 } } as never), isOption('sort'));
    assert.throws(() => client.sort(list, { ALPHA: true } as never), isOption('sort'));
    assert.throws(() => client.sort(list, { order: 'desc' } as never), isOption('sort'));
  });

  test('migrate moves keys to another server, copy leaves them, NOKEY when none exists', async () => {
    await using client = redis.client({ protocol });
    await using other = createTargetClient(protocol);
    const [a, b] = [uniqueKey('mig'), uniqueKey('mig')];
    await client.mSet({ [a]: '1', [b]: '2' });
    assert.equal(await client.migrate('127.0.0.1', target.port, a, 0, 5000, { copy: true }), 'OK');
    assert.deepEqual([await client.get(a), await other.get(a)], ['1', '1']);
    assert.equal(await client.migrate('127.0.0.1', target.port, [a, b], 0, 5000, { replace: true }), 'OK');
    assert.deepEqual([await client.exists([a, b]), await other.mGet([a, b])], [0, ['1', '2']]);
    assert.equal(await client.migrate('127.0.0.1', target.port, uniqueKey('none'), 0, 5000), 'NOKEY');
    assert.throws(() => client.migrate('127.0.0.1', target.port, a, 0, 5000, { auth: { username: 'u' } } as never), isOption('migrate'));
    assert.throws(() => client.migrate('127.0.0.1', target.port, [], 0, 5000), (err: unknown) => err instanceof ArgumentError);
  });

  test('function dump, restore and stats; evalShaRo runs a loaded read-only script', async () => {
    await using client = redis.client({ protocol, returnBuffers: false });
    await client.functionFlush();
    await client.functionLoad(`#!lua name=lib${protocol}\nredis.register_function('f${protocol}', function() return 1 end)`);
    const dump = await client.functionDump();
    assert.ok(Buffer.isBuffer(dump) && dump.length > 0);
    const stats = await client.functionStats();
    assert.deepEqual(plain(stats), { runningScript: null, engines: { LUA: { librariesCount: 1, functionsCount: 1 } } });
    await client.functionFlush();
    assert.equal(await client.functionRestore(dump), 'OK');
    assert.equal(await client.fCall(`f${protocol}`), 1);
    await assert.rejects(client.functionRestore(dump, 'APPEND'), (err: unknown) => err instanceof ReplyError);
    assert.equal(await client.functionRestore(dump, 'REPLACE'), 'OK');
    assert.throws(() => client.functionRestore(dump, 'MERGE' as never), (err: unknown) => err instanceof ArgumentError);
    const sha = await client.scriptLoad('return redis.call("GET", KEYS[1])');
    const key = uniqueKey('ro');
    await client.set(key, 'v');
    assert.equal(await client.evalShaRo(sha, { keys: key }), 'v');
  });
});

function createTargetClient(protocol: 2 | 3) {
  return redis.client({ protocol, url: `redis://127.0.0.1:${target.port}` });
}
