/**
 * Client options: validation at construction (ArgumentError ERR_INVALID_OPTION naming the
 * option and its range), URL parsing and precedence, and the options that reach the server:
 * database, clientName, username/password, credentials. The password must never leak into
 * inspect output, JSON, stats or errors.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { ArgumentError, ConnectionError, LeanRedisError, ReplyError, createClient, type ClientOptions, type Credentials } from '../../src/index.ts';

const PASSWORD = 'secret-canary-123';
const SOCKET = join(tmpdir(), `leanredis-options-${process.pid}.sock`);
const redis = useRedisServer({ args: ['--requirepass', PASSWORD, '--unixsocket', SOCKET, '--unixsocketperm', '700'] });
after(() => rmSync(SOCKET, { force: true }));

const ACL_USER = 'canary-user';
const ACL_PASSWORD = 'user-pass-456';

/** A client of the test server authenticated as the default user. */
function admin(options?: ClientOptions) {
  return redis.client({ password: PASSWORD, ...options });
}

async function ensureAclUser(password = ACL_PASSWORD): Promise<void> {
  await using client = admin();
  assert.equal(await client.call('ACL', 'SETUSER', ACL_USER, 'on', 'resetpass', `>${password}`, '~*', '&*', '+@all'), 'OK');
}

/** Asserts `make` throws ArgumentError ERR_INVALID_OPTION whose message matches every pattern. */
function assertBadOption(make: () => unknown, ...patterns: RegExp[]): ArgumentError {
  let thrown: unknown;
  try {
    make();
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown instanceof ArgumentError, `expected an ArgumentError, got ${String(thrown)}`);
  assert.ok(thrown instanceof LeanRedisError);
  assert.equal(thrown.code, 'ERR_INVALID_OPTION');
  assert.equal(thrown.name, 'ArgumentError');
  for (const p of patterns) assert.match(thrown.message, p);
  return thrown;
}

describe('invalid options throw ArgumentError ERR_INVALID_OPTION at construction', () => {
  test('an unknown option (a typo) is named', () => {
    assertBadOption(() => createClient({ comandTimeoutMs: 100 } as unknown as ClientOptions), /unknown option "comandTimeoutMs"/);
    assertBadOption(() => createClient({ url: 'redis://127.0.0.1', retries: 3 } as unknown as ClientOptions), /"retries"/);
  });

  test('timeouts must be integers in range, with the unit', () => {
    for (const name of ['connectTimeoutMs', 'socketTimeoutMs', 'idleTimeoutMs', 'reconnectBaseDelayMs', 'reconnectMaxDelayMs'] as const) {
      for (const bad of [-1, 0, 1.5, Number.NaN, Infinity, 2 ** 31, '100']) {
        assertBadOption(() => createClient({ [name]: bad } as ClientOptions), new RegExp(`"${name}"`), /from 1 to 2147483647 \(ms\)/);
      }
    }
    // Zero means "disabled" for these, so it is accepted; negatives and fractions are not.
    for (const name of ['commandTimeoutMs', 'keepAliveMs', 'acquireTimeoutMs', 'leakDetectionThresholdMs', 'maxLifetimeMs'] as const) {
      assert.doesNotThrow(() => createClient({ [name]: 0 }), name);
      for (const bad of [-1, 2.5, 2 ** 31]) {
        assertBadOption(() => createClient({ [name]: bad }), new RegExp(`"${name}"`), /from 0 to 2147483647 \(ms\)/);
      }
    }
  });

  test('the message shows the rejected value but never a long string whole', () => {
    const err = assertBadOption(() => createClient({ connectTimeoutMs: -5 }), /got -5$/);
    assert.equal(err.command, undefined);
    const long = 'x'.repeat(200);
    const e2 = assertBadOption(() => createClient({ host: 42 } as unknown as ClientOptions), /option "host" must be a string, got 42$/);
    assert.ok(!e2.message.includes(long));
    const e3 = assertBadOption(() => createClient({ idleOrder: long } as unknown as ClientOptions), /"idleOrder" must be "lifo" or "fifo"/);
    assert.ok(!e3.message.includes(long), 'long values are cut');
  });

  test('port, database and decoder limits are checked against their ranges', () => {
    for (const port of [0, -1, 65536, 80.5]) assertBadOption(() => createClient({ port }), /"port"/, /from 1 to 65535/);
    for (const database of [-1, 1.5]) assertBadOption(() => createClient({ database }), /"database"/, /from 0 to/);
    assertBadOption(() => createClient({ maxDepth: 0 }), /"maxDepth"/, /from 4 to 1000/);
    // Below these the handshake's own reply (HELLO) could not be decoded.
    assertBadOption(() => createClient({ maxAggregateLength: 8 }), /"maxAggregateLength"/, /from 64/);
    assertBadOption(() => createClient({ maxBulkBytes: 0 }), /"maxBulkBytes"/, /bytes/);
    assertBadOption(() => createClient({ maxConnections: 0 }), /"maxConnections"/, /from 1 to 10000/);
    assertBadOption(() => createClient({ maxQueuedCommands: 0 }), /"maxQueuedCommands"/);
  });

  test('protocol must be 2 or 3', () => {
    for (const protocol of [1, 4, '3', 3.0000001, true]) {
      assertBadOption(() => createClient({ protocol } as unknown as ClientOptions), /"protocol" must be 2 or 3/);
    }
  });

  test('pool sizes must fit each other', () => {
    assertBadOption(() => createClient({ maxConnections: 4, sharedConnections: 5 }), /"sharedConnections"/, /at most maxConnections/);
    assertBadOption(() => createClient({ maxConnections: 4, sharedConnections: 1, minIdle: 4 }), /"minIdle"/, /at most maxConnections - sharedConnections/);
    assertBadOption(() => createClient({ maxConnections: 10, minIdle: 5, maxIdle: 2 }), /"minIdle" \(5\) must not exceed "maxIdle" \(2\)/);
    assertBadOption(() => createClient({ maxLifetimeMs: 60_000, maxLifetimeJitterMs: 60_001 }), /"maxLifetimeJitterMs"/);
  });

  test('reconnectMaxDelayMs must be at least reconnectBaseDelayMs', () => {
    assertBadOption(() => createClient({ reconnectBaseDelayMs: 500, reconnectMaxDelayMs: 100 }), /"reconnectMaxDelayMs" \(100\) must be at least "reconnectBaseDelayMs" \(500\)/);
    assert.doesNotThrow(() => createClient({ reconnectBaseDelayMs: 500, reconnectMaxDelayMs: 500 }));
  });

  test('types of the other options are checked', () => {
    assertBadOption(() => createClient({ returnBuffers: 'yes' } as unknown as ClientOptions), /"returnBuffers" must be a boolean/);
    assertBadOption(() => createClient({ offlineQueue: 1 } as unknown as ClientOptions), /"offlineQueue" must be a boolean/);
    assertBadOption(() => createClient({ credentials: 'user:pass' } as unknown as ClientOptions), /"credentials" must be a function/);
    assertBadOption(() => createClient({ tls: 'on' } as unknown as ClientOptions), /"tls"/);
    assertBadOption(() => createClient({ clientName: 'has space' }), /"clientName"/);
    assertBadOption(() => createClient({ password: 123 } as unknown as ClientOptions), /"password" must be a string/);
    assertBadOption(() => createClient(42 as unknown as ClientOptions), /URL string or an options object/);
  });

  test('URLs: bad scheme, unparseable, non-integer database; the URL itself never appears', () => {
    const secret = 'url-secret-555';
    const cases: [string, RegExp][] = [
      [`http://user:${secret}@127.0.0.1:6379`, /unsupported scheme "http:"/],
      [`redis://user:${secret}@127.0.0.1:6379/zero`, /database that is not an integer/],
      [`redis://user:${secret}@127.0.0.1:6379?db=1.5`, /database that is not an integer/],
      [`not a url ${secret}`, /not a valid URL/],
      [`redis://user:${secret}@127.0.0.1:99999`, /not a valid URL|"port"/],
      [`redis://user:${secret}@127.0.0.1:6379/-1`, /database/],
    ];
    for (const [url, pattern] of cases) {
      const err = assertBadOption(() => createClient(url), pattern);
      assert.ok(!err.message.includes(secret) && !String(err.stack).includes(secret), `the URL's password leaked: ${err.message}`);
    }
    assertBadOption(() => createClient({ url: 17 } as unknown as ClientOptions), /"url" must be a string/);
  });

  test('a bad option opens nothing', () => {
    const before = process.getActiveResourcesInfo().slice().sort();
    assert.throws(() => createClient({ port: redis.port, password: PASSWORD, database: -1 }), ArgumentError);
    assert.deepEqual(process.getActiveResourcesInfo().slice().sort(), before);
  });
});

describe('URL parsing', () => {
  test('host, port and database come from redis:// URLs; what inspect and JSON show', () => {
    const client = createClient('redis://user:pw@cache.example:6380/3');
    assert.deepEqual(client.toJSON(), { address: 'cache.example:6380', database: 3, protocol: 3, open: true });
    assert.equal(inspect(client), "Client { address: 'cache.example:6380', database: 3, protocol: 3, open: true }");
    assert.deepEqual(createClient('redis://10.1.2.3').toJSON(), { address: '10.1.2.3:6379', database: 0, protocol: 3, open: true });
    assert.deepEqual(createClient('redis://[::1]:7000/2').toJSON(), { address: '[::1]:7000', database: 2, protocol: 3, open: true });
    assert.deepEqual(createClient('redis://h:1?db=5').toJSON(), { address: 'h:1', database: 5, protocol: 3, open: true });
    assert.deepEqual(createClient('rediss://secure.example:6390/1').toJSON(), { address: 'secure.example:6390', database: 1, protocol: 3, open: true });
    assert.deepEqual(createClient('unix:///var/run/redis.sock?db=4').toJSON(), { address: '/var/run/redis.sock', database: 4, protocol: 3, open: true });
    assert.deepEqual(createClient().toJSON(), { address: '127.0.0.1:6379', database: 0, protocol: 3, open: true });
  });

  test('explicit options win over the URL', () => {
    const client = createClient({ url: 'redis://from-url:1111/2', host: 'explicit', port: 2222, database: 7, protocol: 2 });
    assert.deepEqual(client.toJSON(), { address: 'explicit:2222', database: 7, protocol: 2, open: true });
    assert.deepEqual(createClient({ url: 'redis://from-url:1111/2', path: '/tmp/explicit.sock' }).toJSON().valueOf(), {
      address: '/tmp/explicit.sock',
      database: 2,
      protocol: 3,
      open: true,
    });
  });

  test('an explicit password wins over a wrong one in the URL', async () => {
    await using client = createClient({ url: `redis://default:wrong@127.0.0.1:${redis.port}`, password: PASSWORD });
    assert.equal(await client.ping(), 'PONG');
  });

  test('tls: false wins over rediss:, so a plain server is reachable', async () => {
    await using client = createClient({ url: `rediss://:${PASSWORD}@127.0.0.1:${redis.port}`, tls: false });
    assert.equal(await client.ping(), 'PONG');
  });

  test('rediss: speaks TLS: a plain-text server fails the connection', async () => {
    await using client = createClient({ url: `rediss://:${PASSWORD}@127.0.0.1:${redis.port}`, connectTimeoutMs: 2000 });
    await assert.rejects(client.connect(), (err: unknown) => {
      assert.ok(err instanceof ConnectionError, String(err));
      assert.ok(['ERR_CONNECTION_FAILED', 'ERR_CONNECTION_LOST', 'ERR_CONNECT_TIMEOUT'].includes(err.code), err.code);
      return true;
    });
  });

  test('user, percent-encoded password and database from a URL reach the server', async () => {
    const password = 'p@ss:w/rd%';
    await ensureAclUser(password);
    try {
      const url = `redis://${ACL_USER}:${encodeURIComponent(password)}@127.0.0.1:${redis.port}/5`;
      await using client = createClient(url);
      assert.equal(await client.call('ACL', 'WHOAMI'), ACL_USER);
      assert.match(String(await client.call('CLIENT', 'INFO')), /\bdb=5\b/);
    } finally {
      await ensureAclUser();
    }
  });

  test('unix: URLs connect through the socket, with ?db=', async () => {
    await using client = createClient({ url: `unix://${SOCKET}?db=2`, password: PASSWORD });
    assert.equal(await client.ping(), 'PONG');
    const info = String(await client.call('CLIENT', 'INFO'));
    assert.match(info, /\bdb=2\b/);
    assert.match(info, /\baddr=\/|\bladdr=\//, `a unix socket connection: ${info}`);
  });
});

test(
  'TLS secrets (key, passphrase) never appear in inspect output of the client, its views, pipelines or transactions',
  () => {
    const client = createClient({ port: redis.port, tls: { passphrase: 'tls-passphrase-canary', key: 'tls-key-canary' }, password: PASSWORD });
    const texts = [
      inspect(client, { depth: Infinity, showHidden: true }),
      inspect(client.with({ timeoutMs: 100 }), { depth: Infinity, showHidden: true }),
      inspect(client.pipeline().get('k'), { depth: Infinity }),
      inspect(client.multi().get('k'), { depth: Infinity }),
    ];
    for (const text of texts) {
      for (const secret of ['tls-passphrase-canary', 'tls-key-canary', PASSWORD]) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    }
  },
);

forEachProtocol((protocol) => {
  test('database selects the DB on every connection', async () => {
    const key = uniqueKey();
    await using db4 = admin({ protocol, database: 4 });
    await using db0 = admin({ protocol });
    await db4.set(key, 'in-4');
    assert.equal(await db0.get(key), null);
    assert.equal(await db4.get(key), 'in-4');
    assert.match(String(await db4.call('CLIENT', 'INFO')), /\bdb=4\b/);
    // A lease connection is selected too.
    await using lease = await db4.acquire();
    assert.equal(await lease.get(key), 'in-4');
    await db4.del(key);
  });

  test('clientName shows in CLIENT LIST for shared and leased connections', async () => {
    const name = `leanredis-test-${protocol}-${process.pid}`;
    await using client = admin({ protocol, clientName: name });
    assert.equal(await client.call('CLIENT', 'GETNAME'), name);
    {
      await using lease = await client.acquire();
      assert.equal(await lease.call('CLIENT', 'GETNAME'), name);
      const list = String(await client.call('CLIENT', 'LIST'));
      const named = list.split('\n').filter((line) => line.includes(` name=${name} `));
      assert.equal(named.length, 2, list);
    }
  });

  test('password authenticates the default user; none gets NOAUTH', async () => {
    await using ok = admin({ protocol });
    assert.equal(await ok.call('ACL', 'WHOAMI'), 'default');
    await using none = redis.client({ protocol });
    await assert.rejects(none.ping(), (err: unknown) => err instanceof ReplyError && err.code === 'NOAUTH');
  });

  test('username and password authenticate an ACL user', async () => {
    await ensureAclUser();
    await using client = redis.client({ protocol, username: ACL_USER, password: ACL_PASSWORD });
    assert.equal(await client.call('ACL', 'WHOAMI'), ACL_USER);
    await using lease = await client.acquire();
    assert.equal(await lease.call('ACL', 'WHOAMI'), ACL_USER);
  });

  test('a wrong password rejects commands and connect() with WRONGPASS, and never shows the password', async () => {
    const wrong = 'wrong-canary-789';
    await using client = redis.client({ protocol, password: wrong });
    const events: Error[] = [];
    client.on('error', (err) => events.push(err));
    const errors: unknown[] = [];
    await assert.rejects(client.get('k'), (err: unknown) => {
      errors.push(err);
      return err instanceof ReplyError && err.code === 'WRONGPASS';
    });
    await assert.rejects(client.connect(), (err: unknown) => {
      errors.push(err);
      return err instanceof ReplyError && err.code === 'WRONGPASS';
    });
    await using user = redis.client({ protocol, username: ACL_USER, password: wrong });
    await assert.rejects(user.ping(), (err: unknown) => {
      errors.push(err);
      return err instanceof ReplyError && err.code === 'WRONGPASS';
    });
    for (const err of [...errors, ...events]) {
      const e = err as Error;
      for (const text of [e.message, String(e.stack), inspect(e, { depth: Infinity, showHidden: true }), JSON.stringify(e), String(e)]) {
        assert.ok(!text.includes(wrong), `the password leaked: ${text}`);
      }
    }
    for (const text of [inspect(client, { depth: Infinity, showHidden: true }), JSON.stringify(client), JSON.stringify(client.stats()), String(client)]) {
      assert.ok(!text.includes(wrong), `the password leaked: ${text}`);
    }
  });

  test('the password never appears in inspect, JSON, String or stats of a working client', async () => {
    await using client = admin({ protocol, username: 'default' });
    await client.ping();
    const texts = [
      inspect(client),
      inspect(client, { depth: Infinity, showHidden: true, customInspect: false }),
      JSON.stringify(client),
      JSON.stringify(client.stats()),
      inspect(client.stats(), { depth: Infinity }),
      String(client),
      inspect(client.with({ timeoutMs: 100 }), { depth: Infinity, showHidden: true }),
      inspect(client.pipeline(), { depth: Infinity, showHidden: true }),
    ];
    for (const text of texts) assert.ok(!text.includes(PASSWORD), `the password leaked: ${text}`);
  });

  test('credentials() is called at each connect, and rotated credentials are used', async () => {
    await ensureAclUser();
    const calls: string[] = [];
    let password = ACL_PASSWORD;
    const credentials = async (): Promise<Credentials> => {
      calls.push(password);
      return { username: ACL_USER, password };
    };
    // Explicit username/password lose to credentials().
    await using client = redis.client({ protocol, credentials, password: 'ignored' });
    assert.equal(calls.length, 0, 'not called before the first command');
    assert.equal(await client.call('ACL', 'WHOAMI'), ACL_USER);
    assert.equal(calls.length, 1);
    await client.ping();
    assert.equal(calls.length, 1, 'not called per command');

    // Rotate: the server takes a new password, the old connection is killed, the next dial asks again.
    password = 'rotated-pass-999';
    await ensureAclUser(password);
    try {
      const lost = new Promise((resolve) => client.once('reconnecting', resolve));
      await using killer = admin();
      await killer.call('CLIENT', 'KILL', 'USER', ACL_USER);
      await lost; // the client saw its socket go, so the next command dials afresh
      assert.equal(await client.call('ACL', 'WHOAMI'), ACL_USER);
      assert.deepEqual(calls, [ACL_PASSWORD, 'rotated-pass-999']);
    } finally {
      await ensureAclUser();
    }
  });

  test('a credentials() that throws fails the connection with its error', async () => {
    await using client = redis.client({
      protocol,
      credentials: () => {
        throw new Error('vault unavailable');
      },
    });
    await assert.rejects(client.connect(), /vault unavailable/);
  });
});
