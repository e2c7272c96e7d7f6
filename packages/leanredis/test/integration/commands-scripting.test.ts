import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { waitFor } from '../helpers/wait.ts';
import { ArgumentError, ReplyError, type Client } from '../../src/index.ts';

// A busy script answers SCRIPT KILL / FUNCTION KILL after this long instead of 5 s.
const redis = useRedisServer({ args: ['--busy-reply-threshold', '100'] });

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

function isArgumentError(method: string, code: 'ERR_INVALID_ARGUMENT' | 'ERR_INVALID_OPTION' = 'ERR_INVALID_ARGUMENT'): (err: unknown) => boolean {
  return (err: unknown) => err instanceof ArgumentError && err.code === code && err.message.startsWith(`${method}:`);
}

function isReplyError(code: string, command?: string): (err: unknown) => boolean {
  return (err: unknown) => err instanceof ReplyError && err.code === code && (command === undefined || err.command === command);
}

/** How many times the server ran a command, from INFO commandstats ("calls=N,usec=..."). */
async function calls(client: Client, command: string): Promise<number> {
  const stat = (await client.info('commandstats')).commandstats[`cmdstat_${command}`];
  return stat === undefined ? 0 : Number(/calls=(\d+)/.exec(stat)![1]);
}

const LIBRARY = [
  '#!lua name=tfamlib',
  "redis.register_function('echo_first', function(keys, args) return args[1] end)",
  "redis.register_function{function_name='get_key', callback=function(keys, args) return redis.call('GET', keys[1]) end, flags={'no-writes'}, description='reads a key'}",
  "redis.register_function('set_key', function(keys, args) return redis.call('SET', keys[1], args[1]) end)",
].join('\n');

forEachProtocol((protocol) => {
  test('scriptLoad caches a script under its SHA-1, scriptExists and scriptFlush manage the cache', async () => {
    await using client = redis.client({ protocol });
    const script = `return {KEYS[1], ARGV[1]} -- load ${protocol}`;
    const sha = await client.scriptLoad(script);
    assert.equal(sha, sha1(script));
    assert.deepEqual(await client.scriptExists([sha, 'f'.repeat(40), sha]), [true, false, true]);
    const k = uniqueKey();
    assert.deepEqual(await client.evalSha(sha, { keys: [k], arguments: ['a'] }), [k, 'a']);
    assert.equal(await client.scriptFlush('SYNC'), 'OK');
    assert.deepEqual(await client.scriptExists(sha), [false]);
    await assert.rejects(client.evalSha(sha), isReplyError('NOSCRIPT', 'EVALSHA'));
    await client.scriptLoad(script);
    assert.equal(await client.scriptFlush('ASYNC'), 'OK');
    assert.equal(await client.scriptFlush(), 'OK');
    assert.deepEqual(await client.scriptExists(sha), [false]);
  });

  test('eval falls back to EVAL on NOSCRIPT, then runs by EVALSHA, and survives SCRIPT FLUSH', async () => {
    await using client = redis.client({ protocol });
    const script = `return {KEYS[1], ARGV[1], ARGV[2]} -- eval ${protocol} ${uniqueKey()}`;
    const k = uniqueKey();
    await client.configResetStat();
    assert.deepEqual(await client.eval(script, { keys: [k], arguments: ['a', 7] }), [k, 'a', '7']);
    assert.equal(await calls(client, 'evalsha'), 1, 'tried EVALSHA first');
    assert.equal(await calls(client, 'eval'), 1, 'fell back to EVAL');
    assert.match((await client.info('errorstats')).errorstats.errorstat_NOSCRIPT, /^count=1$/);
    assert.deepEqual(await client.scriptExists(sha1(script)), [true], 'EVAL loaded it');

    assert.deepEqual(await client.eval(script, { keys: [k], arguments: ['b', 8] }), [k, 'b', '8']);
    assert.equal(await calls(client, 'evalsha'), 2, 'second call by EVALSHA');
    assert.equal(await calls(client, 'eval'), 1, 'no second EVAL');

    await client.scriptFlush();
    assert.deepEqual(await client.eval(script, { keys: [k], arguments: ['c', 9] }), [k, 'c', '9']);
    assert.equal(await calls(client, 'evalsha'), 3);
    assert.equal(await calls(client, 'eval'), 2, 'reloaded after the flush');

    assert.equal(await client.eval('return 42'), 42);
  });

  test('evalRo runs read-only scripts and rejects writes', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    await client.set(k, 'v');
    assert.equal(await client.evalRo("return redis.call('GET', KEYS[1])", { keys: [k] }), 'v');
    await assert.rejects(client.evalRo("return redis.call('SET', KEYS[1], 'w')", { keys: [k] }), isReplyError('ERR', 'EVAL_RO'));
    assert.equal(await client.get(k), 'v');
  });

  test('a script error rejects with a ReplyError carrying the server code', async () => {
    await using client = redis.client({ protocol });
    await assert.rejects(client.eval("return redis.error_reply('MYERR custom failure')"), isReplyError('MYERR', 'EVAL'));
    const k = uniqueKey();
    await client.set(k, 'not a number');
    await assert.rejects(client.eval("return redis.call('INCR', KEYS[1])", { keys: [k] }), isReplyError('ERR', 'EVAL'));
    await assert.rejects(client.eval('return +'), isReplyError('ERR', 'EVAL'), 'a compile error');
    // The client still works after script errors.
    assert.equal(await client.eval('return 1'), 1);
  });

  test('scriptKill stops a busy script, which rejects; other commands get BUSY meanwhile', async () => {
    await using runner = redis.client({ protocol });
    await using admin = redis.client({ protocol });
    await Promise.all([runner.ping(), admin.ping()]);
    await assert.rejects(admin.scriptKill(), isReplyError('NOTBUSY', 'SCRIPT KILL'));
    const busy = runner.eval('local i = 0 while true do i = i + 1 end');
    busy.catch(() => {});
    // Until the script runs, DBSIZE answers; once it has run past busy-reply-threshold, BUSY.
    await waitFor(() => admin.dbSize().then(() => false, (err: unknown) => err instanceof ReplyError && err.code === 'BUSY'), { message: 'BUSY from the running script' });
    assert.equal(await admin.scriptKill(), 'OK');
    await assert.rejects(busy, (err: unknown) => err instanceof ReplyError && err.command === 'EVAL');
    assert.equal(await runner.ping(), 'PONG');
  });

  test('functionLoad, fCall, fCallRo, functionList and functionDelete manage Redis 7 functions', async () => {
    await using client = redis.client({ protocol });
    assert.equal(await client.functionFlush('SYNC'), 'OK');
    assert.equal(await client.functionLoad(LIBRARY), 'tfamlib');
    await assert.rejects(client.functionLoad(LIBRARY), isReplyError('ERR', 'FUNCTION LOAD'));
    assert.equal(await client.functionLoad(LIBRARY, { replace: true }), 'tfamlib');

    const k = uniqueKey();
    assert.equal(await client.fCall('echo_first', { arguments: ['x', 'y'] }), 'x');
    assert.equal(await client.fCall('set_key', { keys: [k], arguments: ['v'] }), 'OK');
    assert.equal(await client.fCallRo('get_key', { keys: [k] }), 'v');
    assert.equal(await client.fCall('get_key', { keys: [k] }), 'v');
    await assert.rejects(client.fCallRo('set_key', { keys: [k], arguments: ['w'] }), isReplyError('ERR', 'FCALL_RO'));
    await assert.rejects(client.fCall('no_such_function'), isReplyError('ERR', 'FCALL'));

    const [library, ...rest] = await client.functionList();
    assert.equal(rest.length, 0);
    assert.equal(library.libraryName, 'tfamlib');
    assert.equal(library.engine, 'LUA');
    assert.equal(library.code, undefined);
    assert.deepEqual(
      library.functions.sort((a, b) => a.name.localeCompare(b.name)),
      [
        { name: 'echo_first', description: null, flags: [] },
        { name: 'get_key', description: 'reads a key', flags: ['no-writes'] },
        { name: 'set_key', description: null, flags: [] },
      ],
    );
    assert.equal((await client.functionList({ withCode: true }))[0].code, LIBRARY);
    assert.equal((await client.functionList({ libraryName: 'tfam*', withCode: true }))[0].code, LIBRARY);
    assert.deepEqual(await client.functionList({ libraryName: 'other*' }), []);

    assert.equal(await client.functionDelete('tfamlib'), 'OK');
    await assert.rejects(client.functionDelete('tfamlib'), isReplyError('ERR', 'FUNCTION DELETE'));
    await assert.rejects(client.fCall('echo_first'), isReplyError('ERR', 'FCALL'));
    assert.deepEqual(await client.functionList(), []);
    await client.functionLoad(LIBRARY);
    assert.equal(await client.functionFlush('ASYNC'), 'OK');
    assert.equal(await client.functionFlush(), 'OK');
    assert.deepEqual(await client.functionList(), []);
  });

  test('functionKill stops a busy read-only function', async () => {
    await using runner = redis.client({ protocol });
    await using admin = redis.client({ protocol });
    await assert.rejects(admin.functionKill(), isReplyError('NOTBUSY', 'FUNCTION KILL'));
    await admin.functionLoad(
      "#!lua name=spinlib\nredis.register_function{function_name='spin', callback=function() local i = 0 while true do i = i + 1 end end, flags={'no-writes'}}",
      { replace: true },
    );
    await runner.ping();
    const busy = runner.fCallRo('spin');
    busy.catch(() => {});
    // NOTBUSY until the function runs; the kill is answered once it ran past busy-reply-threshold.
    const killed = await waitFor(() => admin.functionKill().catch((err: unknown) => (err instanceof ReplyError && err.code === 'NOTBUSY' ? false : Promise.reject(err))), {
      message: 'FUNCTION KILL to find the function running',
    });
    assert.equal(killed, 'OK');
    await assert.rejects(busy, (err: unknown) => err instanceof ReplyError && err.command === 'FCALL_RO');
    assert.equal(await admin.functionDelete('spinlib'), 'OK');
  });

  test('scripting commands in a pipeline resolve a typed tuple', async () => {
    await using client = redis.client({ protocol });
    const script = `return ARGV[1] -- pipeline ${protocol}`;
    await client.functionLoad(LIBRARY, { replace: true });
    const results = await client
      .pipeline()
      .scriptLoad(script)
      .scriptExists([sha1(script), sha1('nope')])
      .fCall('echo_first', { arguments: ['p'] })
      .functionList({ libraryName: 'tfamlib' })
      .exec();
    const typed: [string, boolean[], unknown, { libraryName: string }[]] = results;
    assert.deepEqual(typed.slice(0, 3), [sha1(script), [true, false], 'p']);
    assert.equal(typed[3][0].libraryName, 'tfamlib');
    await client.functionDelete('tfamlib');
  });

  test('on a client that returns Buffers, script replies are Buffers and server text is parsed', async () => {
    await using client = redis.client({ protocol, returnBuffers: true });
    const script = `return ARGV[1] -- buffers ${protocol}`;
    // The SHA-1 is server text (and evalSha takes a string): read as a string.
    const sha: unknown = await client.scriptLoad(script);
    assert.equal(sha, sha1(script));
    assert.deepEqual(await client.evalSha(sha1(script), { arguments: [Buffer.from([0xff, 0])] }), Buffer.from([0xff, 0]));
    assert.deepEqual(await client.eval(script, { arguments: ['s'] }), Buffer.from('s'));
    assert.equal(await client.functionLoad(LIBRARY, { replace: true }), 'tfamlib');
    assert.deepEqual(await client.fCall('echo_first', { arguments: ['b'] }), Buffer.from('b'));
    const list: unknown = await client.functionList();
    assert.equal((list as { libraryName: unknown }[])[0].libraryName, 'tfamlib');
    await client.functionDelete('tfamlib');
  });

  test('scripting commands reject bad arguments synchronously with ArgumentError', async () => {
    await using client = redis.client({ protocol });
    assert.throws(() => client.scriptExists([]), isArgumentError('scriptExists'));
    assert.throws(() => client.scriptFlush('NOW' as 'SYNC'), isArgumentError('scriptFlush'));
    assert.throws(() => client.functionFlush('NOW' as 'SYNC'), isArgumentError('functionFlush'));
    assert.throws(() => client.fCall(''), isArgumentError('fCall'));
    assert.throws(() => client.fCallRo('f', { keys: { a: 1 } as unknown as string }), isArgumentError('fCallRo'));
    await assert.rejects(client.functionLoad('return 1'), isReplyError('ERR', 'FUNCTION LOAD'), 'no "#!lua name=" header');
  });
});

test('scripting results are identical under RESP2 and RESP3', async () => {
  const outcomes = [];
  for (const protocol of [2, 3] as const) {
    await using client = redis.client({ protocol });
    await client.functionFlush();
    await client.functionLoad(LIBRARY);
    const script = 'return {1, 2, "three"} -- same';
    outcomes.push(
      await Promise.all([
        client.scriptLoad(script),
        client.scriptExists([sha1(script), sha1('other')]),
        client.functionList({ withCode: true }).then((libs) => libs.map((l) => ({ ...l, functions: l.functions.sort((a, b) => a.name.localeCompare(b.name)) }))),
        client.fCall('echo_first', { arguments: ['e'] }),
        client.eval(script),
      ]),
    );
    await client.functionFlush();
  }
  assert.deepEqual(outcomes[0], outcomes[1]);
});
