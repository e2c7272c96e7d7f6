/**
 * express-session with connect-redis 10 (written against node-redis v5) storing its sessions
 * through `toNodeRedis(client)`, driven by real HTTP requests against a real redis-server. What
 * the store promises is checked on the server: the session key holds the session with a TTL that
 * follows the cookie and really expires, touch() renews it, destroy() removes it, length/ids/all
 * count sessions (not characters of keys: node-redis's scanIterator yields arrays of keys).
 */
import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { waitFor } from '../helpers/wait.ts';
import { toNodeRedis } from '../../src/compat/node-redis.ts';
import type { Client } from '../../src/index.ts';

declare module 'express-session' {
  interface SessionData {
    views: number;
  }
}

const redis = useRedisServer();
let client: Client;
let store: RedisStore;
let http: Server;
let base: string;
const prefix = `${uniqueKey('sess')}:`;

type Request = IncomingMessage & { session: session.Session & Partial<session.SessionData>; sessionID: string };

// Hooks inside a describe block run after the file's redis-server is up (useRedisServer's hooks are the root's).
describe('express-session with connect-redis through toNodeRedis', () => {
  before(async () => {
    client = redis.client();
    store = new RedisStore({ client: toNodeRedis(client), prefix });
    // maxAge 60 s: the TTL connect-redis sets follows the cookie's expiry.
    const middleware = session({ store, secret: 'test secret', resave: false, saveUninitialized: false, rolling: false, cookie: { maxAge: 60_000 } });
    http = createServer((req: IncomingMessage, res: ServerResponse) => {
      middleware(req as never, res as never, () => {
        const r = req as Request;
        if (req.url === '/visit') {
          r.session.views = (r.session.views ?? 0) + 1;
          res.end(JSON.stringify({ id: r.sessionID, views: r.session.views }));
        } else if (req.url === '/read') {
          res.end(JSON.stringify({ id: r.sessionID, views: r.session.views ?? 0 }));
        } else if (req.url === '/logout') {
          r.session.destroy((err) => res.end(JSON.stringify({ destroyed: err === undefined || err === null })));
        } else {
          res.statusCode = 404;
          res.end();
        }
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise((resolve) => http.close(resolve));
    await client.close();
  });

  /** One HTTP request with a cookie; returns the JSON body and the cookie to send next. */
  async function get(path: string, cookie?: string): Promise<{ body: Record<string, unknown>; cookie: string | undefined }> {
    const res = await fetch(base + path, { headers: cookie === undefined ? {} : { cookie } });
    const set = res.headers.get('set-cookie');
    return { body: (await res.json()) as Record<string, unknown>, cookie: set === null ? cookie : set.split(';')[0] };
  }

  test('a session made over HTTP is stored under its key with the cookie\'s TTL, read back and counted', async () => {
    const first = await get('/visit');
    assert.equal(first.body.views, 1);
    assert.ok(first.cookie?.startsWith('connect.sid='), `cookie ${first.cookie}`);
    const key = `${prefix}${first.body.id as string}`;
    const ttl = await client.ttl(key);
    assert.ok(ttl > 50 && ttl <= 60, `TTL on the server is ${ttl} s, expected the cookie's 60 s`);
    assert.deepEqual(JSON.parse((await client.get(key))!).views, 1);

    // A request that reads the session without changing it makes express-session call touch():
    // connect-redis renews the key's TTL (EXPIRE) from the cookie.
    await client.expire(key, 20);
    assert.equal((await get('/read', first.cookie)).body.views, 1);
    const touched = await client.ttl(key);
    assert.ok(touched > 50, `touch() over HTTP renewed the TTL to the cookie's 60 s, got ${touched}`);

    const second = await get('/visit', first.cookie);
    assert.equal(second.body.id, first.body.id, 'same session');
    assert.equal(second.body.views, 2, 'the session was read back from Redis');

    const other = await get('/visit');
    assert.notEqual(other.body.id, first.body.id);
    // node-redis yields one array of keys per SCAN step; had they been counted as characters the
    // length would be the keys' total length.
    assert.equal(await store.length(), 2);
    assert.deepEqual((await store.ids()).sort(), [first.body.id, other.body.id].sort());
    const all = (await store.all()) as { id: string; views: number }[];
    assert.deepEqual(all.map((s) => [s.id, s.views]).sort(), [[first.body.id, 2], [other.body.id, 1]].sort());
  });

  test('logging out destroys the session on the server; clear() removes every session of the prefix only', async () => {
    const visit = await get('/visit');
    const key = `${prefix}${visit.body.id as string}`;
    assert.equal(await client.exists(key), 1);
    assert.deepEqual((await get('/logout', visit.cookie)).body, { destroyed: true });
    assert.equal(await client.exists(key), 0, 'destroy() ran DEL on the session key');
    assert.equal((await get('/read', visit.cookie)).body.views, 0, 'a new, empty session');

    const unrelated = uniqueKey('unrelated');
    await client.set(unrelated, 'kept');
    await get('/visit');
    assert.ok((await store.length()) >= 1);
    await store.clear();
    assert.equal(await store.length(), 0);
    assert.equal(await client.get(unrelated), 'kept', 'keys outside the prefix stay');
  });

  test('touch() renews the TTL, and a session stored with a 1 s expiry is gone from the server after it', async () => {
    const sid = uniqueKey('sid');
    const key = `${prefix}${sid}`;
    const cookie = { originalMaxAge: 1000, expires: new Date(Date.now() + 1000), httpOnly: true, path: '/' };
    await store.set(sid, { cookie, views: 7 } as never);
    const pttl = await client.pTtl(key);
    assert.ok(pttl > 0 && pttl <= 1000, `PTTL ${pttl} ms, expected at most the cookie's 1 s`);
    assert.equal(((await store.get(sid)) as { views: number }).views, 7);
    // The TTL really runs out on the server (connect-redis relies on it to forget sessions).
    await waitFor(async () => (await client.exists(key)) === 0, { timeoutMs: 10_000, message: 'the session key to expire' });
    assert.equal(await store.get(sid), null);

    await store.set(sid, { cookie: { ...cookie, expires: new Date(Date.now() + 5000) }, views: 1 } as never);
    assert.ok((await client.ttl(key)) <= 5);
    await store.touch(sid, { cookie: { ...cookie, expires: new Date(Date.now() + 120_000) } } as never);
    const renewed = await client.ttl(key);
    assert.ok(renewed > 100 && renewed <= 120, `TTL after touch ${renewed} s`);
  });

  test('an option the adapter cannot honour is refused, not dropped', () => {
    const adapted = toNodeRedis(client);
    assert.throws(() => adapted.set('k', 'v', { expiration: { type: 'EX', value: 10 }, EX: 5 }), { code: 'ERR_INVALID_OPTION', message: /one expiration at most/ });
    assert.throws(() => adapted.set('k', 'v', { expiration: { type: 'EXPIRE', value: 10 } }), { code: 'ERR_INVALID_OPTION', message: /expiration type/ });
    assert.throws(() => adapted.set('k', 'v', { TTL: 10 }), { code: 'ERR_INVALID_OPTION', message: /unknown option "TTL"; accepted: expiration/ });
    assert.throws(() => adapted.scanIterator({ match: 'sess:*' } as never), { code: 'ERR_INVALID_OPTION', message: /unknown option "match"; accepted: MATCH, COUNT, TYPE/ });
  });
});
