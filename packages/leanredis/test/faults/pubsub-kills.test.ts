/**
 * Issue 9, item 3, the fast subset: 20 `CLIENT KILL TYPE pubsub` in a row under a steady
 * publisher, per RESP version (the workload is test/soak/pubsub-kills.ts; `npm run test:soak --
 * p3` runs the 100). After every kill the channel, pattern and shard-channel
 * subscriptions are back; every message the server says it delivered arrives exactly once; each
 * reconnect window is counted in stats.
 */
import { test } from 'node:test';
import { forEachProtocol, useRedisServer } from '../helpers/setup.ts';
import { runPubSubKills, killsBounds } from '../soak/pubsub-kills.ts';
import { assertBounds } from '../soak/soak-kit.ts';

const redis = useRedisServer();

forEachProtocol((protocol) => {
  test('20 CLIENT KILL TYPE pubsub under a steady publisher: every subscription restored, nothing lost or duplicated, windows counted', async (t) => {
    const r = await runPubSubKills({ port: redis.port, kills: 20, protocol, perRound: 10 });
    t.diagnostic(JSON.stringify(r));
    assertBounds(killsBounds(r), r);
  });
});
