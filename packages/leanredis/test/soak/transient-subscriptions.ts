/**
 * How the leak soak's own workload leaked subscriptions (docs/RELIABILITY.md, issue 9, fourth
 * round), reproduced in seconds: transient subscriptions (subscribe, publish, end) while CLIENT
 * KILL cuts the normal and pub/sub connections. Written as `subscribe; publish; unsubscribe`, a
 * PUBLISH cut off by a kill throws before the unsubscribe and the subscription stays; with
 * `await using` it is ended whatever happens. Prints the outcomes and `stats().subscriptions`
 * at the end (2 expected: the run's channel and pattern subscriptions).
 *
 *   node --import tsx packages/leanredis/test/soak/transient-subscriptions.ts [--seconds 30] [--kill-every-ms 300] [--unsafe]
 *
 * --unsafe runs the `subscribe; publish; unsubscribe` form. Starts its own redis-server.
 */
import { createClient } from '../../src/index.ts';
import { startRedisServer } from '../helpers/redis-server.ts';
import { argValue, isMain } from './soak-kit.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runTransientSubscriptions(port: number, seconds: number, killEveryMs: number, unsafe: boolean): Promise<{ operations: number; kills: number; outcomes: Record<string, number>; subscriptions: number }> {
  const client = createClient({ port, maxConnections: 8, reconnectBaseDelayMs: 20, reconnectMaxDelayMs: 200 });
  client.on('error', () => {});
  const admin = createClient({ port });
  await client.subscribe('live', () => {});
  await client.pSubscribe('p:*', () => {});
  const operation = unsafe
    ? async (channel: string): Promise<void> => {
        const sub = await client.subscribe(channel, () => {});
        await client.publish(channel, 'x');
        await sub.unsubscribe();
      }
    : async (channel: string): Promise<void> => {
        await using _sub = await client.subscribe(channel, () => {});
        await client.publish(channel, 'x');
      };
  const outcomes: Record<string, number> = {};
  const count = (key: string): void => void (outcomes[key] = (outcomes[key] ?? 0) + 1);
  const endAt = performance.now() + seconds * 1000;
  let kills = 0;
  const killer = (async () => {
    while (performance.now() < endAt) {
      await sleep(killEveryMs);
      await admin.clientKill({ type: 'normal', skipMe: true }).catch(() => 0);
      await admin.clientKill({ type: 'pubsub' }).catch(() => 0);
      kills++;
    }
  })();
  // 500 operations a second, at most 200 at once: bounded whatever the server does.
  let operations = 0;
  let inFlight = 0;
  while (performance.now() < endAt) {
    for (let k = 0; k < 5 && inFlight < 200; k++) {
      inFlight++;
      operation(`t:${operations++ % 3}`)
        .then(
          () => count('ok'),
          (e: unknown) => count((e as { code?: string }).code ?? String(e)),
        )
        .finally(() => inFlight--);
    }
    await sleep(10);
  }
  await killer;
  while (inFlight > 0) await sleep(10);
  const subscriptions = client.stats().subscriptions;
  client.destroy();
  admin.destroy();
  return { operations, kills, outcomes, subscriptions };
}

if (isMain(import.meta.url)) {
  const redis = await startRedisServer();
  try {
    const r = await runTransientSubscriptions(redis.port, argValue('seconds', 30), argValue('kill-every-ms', 300), process.argv.includes('--unsafe'));
    console.log(JSON.stringify(r));
  } finally {
    await redis.stop();
  }
}
