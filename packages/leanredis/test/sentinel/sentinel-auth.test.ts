/**
 * leanredis/sentinel with credentials: the sentinels require an ACL user of their own
 * (`user default off`), the data servers a different password. Each set of credentials goes only
 * where it belongs, and neither password appears in an error, stats or util.inspect.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { createSentinel, type SentinelClient, type SentinelOptions } from '../../src/sentinel/index.ts';
import { hasCode } from '../../src/index.ts';
import { startSentinelTopology, type SentinelTopology } from '../helpers/redis-sentinel.ts';

const DATA_PASSWORD = 'data-secret-7f3a';
const SENTINEL_USER = 'watcher';
const SENTINEL_PASSWORD = 'sentinel-secret-91c2';

let t: SentinelTopology;
const open: SentinelClient[] = [];

before(async () => {
  t = await startSentinelTopology({
    replicas: 1,
    dataPassword: DATA_PASSWORD,
    sentinelUser: { name: SENTINEL_USER, password: SENTINEL_PASSWORD },
    sentinelConfig: ['user default off'],
  });
});
after(async () => {
  for (const c of open) c.destroy();
  await t?.stop();
});

function sentinel(options: Partial<SentinelOptions> = {}): SentinelClient {
  const c = createSentinel({
    sentinels: t.sentinelAddresses,
    masterName: t.masterName,
    password: DATA_PASSWORD,
    sentinelUsername: SENTINEL_USER,
    sentinelPassword: SENTINEL_PASSWORD,
    sentinelTimeoutMs: 500,
    commandTimeoutMs: 1000,
    ...options,
  });
  open.push(c);
  return c;
}

function leaks(value: unknown): boolean {
  const text = `${inspect(value, { depth: 10 })} ${JSON.stringify(value) ?? ''} ${value instanceof Error ? `${value.message} ${inspect(value.cause, { depth: 5 })}` : ''}`;
  return text.includes(DATA_PASSWORD) || text.includes(SENTINEL_PASSWORD);
}

test('sentinel ACL user and data password are separate: each reaches only its own servers', async () => {
  const c = sentinel({ readFrom: 'replica' });
  assert.equal(await c.set('a:k', 'v'), 'OK');
  assert.equal(await c.pipeline().get('a:k').exec().then(([v]) => v), 'v');
  assert.equal(c.master?.port, await t.currentMaster());
  assert.ok(!leaks(c.stats()) && !leaks(c), 'no password in stats or inspect');
});

test('a wrong sentinel password fails discovery with ERR_SENTINEL_UNREACHABLE (cause WRONGPASS), naming no password', async () => {
  const c = sentinel({ sentinelPassword: 'not-it' });
  const err = await c.connect().then(
    () => assert.fail('connected with a wrong sentinel password'),
    (e: unknown) => e,
  );
  assert.ok(hasCode(err, 'ERR_SENTINEL_UNREACHABLE'), String(err));
  assert.match((err as Error).message, /WRONGPASS/);
  assert.ok(!leaks(err), 'no password in the error');
});

test('the data password is not used for the sentinels: without sentinel credentials discovery fails', async () => {
  const c = sentinel({ sentinelUsername: undefined, sentinelPassword: undefined });
  await assert.rejects(c.connect(), (e: unknown) => hasCode(e, 'ERR_SENTINEL_UNREACHABLE') && !leaks(e));
});

test('a wrong data password fails the data connection with WRONGPASS, while discovery works', async () => {
  const c = sentinel({ password: 'not-it' });
  const err = await c.connect().then(
    () => assert.fail('connected with a wrong data password'),
    (e: unknown) => e,
  );
  assert.ok(hasCode(err, 'WRONGPASS'), String(err));
  assert.equal(c.master?.port, await t.currentMaster(), 'the sentinels answered');
  assert.ok(!leaks(err));
});
