/**
 * S4 (issue 4), small count: the ACL password rotated under live connections, with a
 * `credentials` provider returning the current password: no command fails, every re-dial after
 * the switch uses the new password, the server logs no failed authentication. The workload
 * lives in test/soak/password-rotation.ts; `npm run test:soak` runs it with 100 connections.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachProtocol, useRedisServer } from '../helpers/setup.ts';
import { ReplyError } from '../../src/index.ts';
import { runS4, s4Bounds } from '../soak/password-rotation.ts';
import { CANARY, REQUIRE_CANARY, SecretWatch, assertBounds, canary } from '../soak/soak-kit.ts';

forEachProtocol((protocol) => {
  test('10 live connections, 2 rotations: 0 failed commands, new handshakes use the new password', async (t) => {
    const r = await runS4({ connections: 10, clients: 2, protocol, rotations: 2 });
    t.diagnostic(JSON.stringify(r));
    assertBounds(s4Bounds(r), r);
  });
});

// The workload's ACL LOG check must be able to see a failed authentication: a control.
const redis = useRedisServer({ args: REQUIRE_CANARY });
test('control: a wrong password does show up in ACL LOG, and its error carries no password', async () => {
  using watch = new SecretWatch();
  await using admin = redis.client({ password: CANARY });
  await admin.call('ACL', 'SETUSER', 'rotor', 'reset', 'on', `>${canary('right')}`, '~*', '+@all');
  await admin.call('ACL', 'LOG', 'RESET');
  await using wrong = watch.watchClient(redis.client({ username: 'rotor', password: canary('wrong') }));
  const err = await wrong.ping().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ReplyError && err.code === 'WRONGPASS', String(err));
  watch.check('WRONGPASS', err, 'error');
  const log = (await admin.call('ACL', 'LOG')) as unknown[];
  const entries = log.filter((entry) => {
    const text = JSON.stringify(entry instanceof Map ? [...entry] : entry);
    return text.includes('"auth"') && text.includes('rotor');
  });
  assert.equal(entries.length, 1, JSON.stringify(log));
  assert.deepEqual(watch.leaks, []);
});
