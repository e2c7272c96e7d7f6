/**
 * Issue 9, item 3: subscriptions survive. `CLIENT KILL TYPE pubsub` again and again under a
 * steady publisher: after every kill each subscription (a channel, a pattern, a shard channel)
 * is restored; every message published while the subscriber was connected is delivered exactly
 * once; the client counts its reconnect windows (stats: pubsubReconnects, pubsubReconnectMs).
 *
 *   node --import tsx packages/leanredis/test/soak/pubsub-kills.ts [--kills 100] [--protocol 2|3]
 *
 * The oracle is the server's own count: PUBLISH and SPUBLISH answer how many subscribers got the
 * message, and only the client under test subscribes. So a message answered 1 must arrive once,
 * one answered 0 (published inside a reconnect window) never. The publisher awaits each PUBLISH
 * and issues the kills itself, in turn: a PUBLISH's reply is written in the same server event
 * loop turn as the message to the subscriber, so a kill that follows it cannot discard that
 * message from the server's output buffer (a concurrent killer could, and the server would
 * still have answered 1). Between kills it publishes `--per-round` messages of each kind; after
 * a kill it keeps publishing until all three kinds answer 1 again (restored).
 * `npm test` runs 20 kills per RESP version (faults/pubsub-kills.test.ts); this script the 100.
 */
import { createClient, type ClientStats } from '../../src/index.ts';
import { startRedisServer } from '../helpers/redis-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { isMain, argValue, protocolsFromArgs, report, round, type Bound } from './soak-kit.ts';

export interface KillsOptions {
  port: number;
  kills: number;
  protocol: 2 | 3;
  /** Messages of each kind published between two kills. @default 20 */
  perRound?: number;
  /** Longest wait for the subscriptions to come back after a kill. @default 10000 (ms) */
  restoreTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface KillsResult {
  protocol: 2 | 3;
  kills: number;
  /** CLIENT KILL calls that found the subscriber connection. */
  killed: number;
  /** Kills after which every subscription (channel, pattern, shard) answered again. */
  restored: number;
  published: number;
  /** Published while subscribed (the server answered 1): each must arrive exactly once. */
  expected: number;
  /** Published inside a reconnect window (the server answered 0). */
  inWindows: number;
  received: number;
  lost: number;
  duplicated: number;
  /** Received although the server said nobody was subscribed. */
  unexpected: number;
  byKind: Record<'channel' | 'pattern' | 'shard', { expected: number; received: number }>;
  reconnectWindows: number;
  reconnectMsTotal: number;
  reconnectMsMean: number;
  wallMs: number;
}

type Kind = 'channel' | 'pattern' | 'shard';
const KINDS: readonly Kind[] = ['channel', 'pattern', 'shard'];

export async function runPubSubKills(options: KillsOptions): Promise<KillsResult> {
  const { port, kills, protocol } = options;
  const perRound = options.perRound ?? 20;
  const restoreTimeoutMs = options.restoreTimeoutMs ?? 10_000;
  const t0 = performance.now();
  const tag = `kills:${process.pid}:${protocol}:${Math.random().toString(36).slice(2, 8)}`;
  const names = { channel: `${tag}:ch`, pattern: `${tag}:pat:*`, patternChannel: `${tag}:pat:x`, shard: `${tag}:sh` };
  const client = createClient({ port, protocol });
  const publisher = createClient({ port, protocol });
  // "kind:seq" -> what the server answered, and how often it arrived.
  const answered = new Map<string, number>();
  const arrived = new Map<string, number>();
  const onMessage = (kind: Kind) => (message: string) => {
    const key = `${kind}:${message}`;
    arrived.set(key, (arrived.get(key) ?? 0) + 1);
  };
  let stats: ClientStats | undefined;
  let seq = 0;
  let published = 0;
  let killed = 0;
  let restored = 0;
  const publish = async (kind: Kind, message: string): Promise<number> => {
    const n = kind === 'shard' ? await publisher.sPublish(names.shard, message) : await publisher.publish(kind === 'channel' ? names.channel : names.patternChannel, message);
    answered.set(`${kind}:${message}`, n);
    published++;
    return n;
  };
  /** One message of each kind; true when all three reached the subscriber. */
  const publishAll = async (): Promise<boolean> => {
    const m = String(seq++);
    let reached = 0;
    for (const kind of KINDS) reached += await publish(kind, m);
    return reached === KINDS.length;
  };
  try {
    const subs = [
      await client.subscribe(names.channel, onMessage('channel')),
      await client.pSubscribe(names.pattern, onMessage('pattern')),
      await client.sSubscribe(names.shard, onMessage('shard')),
    ];
    for (let k = 0; k < kills; k++) {
      for (let i = 0; i < perRound; i++) await publishAll();
      killed += await publisher.clientKill({ type: 'pubsub' });
      const since = performance.now();
      for (;;) {
        if (await publishAll()) break;
        if (performance.now() - since > restoreTimeoutMs) break;
      }
      if (performance.now() - since <= restoreTimeoutMs) restored++;
      if ((k + 1) % 10 === 0) options.log?.(`${k + 1}/${kills} kills, ${published} published`);
    }
    for (let i = 0; i < perRound; i++) await publishAll();
    const expected = [...answered.values()].filter((n) => n > 0).length;
    const receivedNow = (): number => {
      let n = 0;
      for (const [key, count] of arrived) if ((answered.get(key) ?? 0) > 0) n += Math.min(count, 1);
      return n;
    };
    // Everything answered 1 was written to the subscriber's socket before the reply: wait for it.
    await waitFor(() => receivedNow() === expected, { timeoutMs: 10_000, message: () => `${receivedNow()} of ${expected} delivered` }).catch(() => {});
    for (const sub of subs) await sub.unsubscribe();
  } finally {
    stats = client.stats();
    client.destroy();
    publisher.destroy();
  }
  let expected = 0;
  let inWindows = 0;
  let received = 0;
  let lost = 0;
  let duplicated = 0;
  let unexpected = 0;
  const byKind = { channel: { expected: 0, received: 0 }, pattern: { expected: 0, received: 0 }, shard: { expected: 0, received: 0 } };
  for (const [key, n] of answered) {
    const kind = key.slice(0, key.indexOf(':')) as Kind;
    const count = arrived.get(key) ?? 0;
    received += count;
    byKind[kind].received += count;
    if (n > 0) {
      expected++;
      byKind[kind].expected++;
      if (count === 0) lost++;
      if (count > 1) duplicated++;
    } else {
      inWindows++;
      if (count > 0) unexpected++;
    }
  }
  return {
    protocol,
    kills,
    killed,
    restored,
    published,
    expected,
    inWindows,
    received,
    lost,
    duplicated,
    unexpected,
    byKind,
    reconnectWindows: stats.pubsubReconnects,
    reconnectMsTotal: round(stats.pubsubReconnectMs, 1),
    reconnectMsMean: round(stats.pubsubReconnects > 0 ? stats.pubsubReconnectMs / stats.pubsubReconnects : 0, 1),
    wallMs: Math.round(performance.now() - t0),
  };
}

export function killsBounds(r: KillsResult): Bound[] {
  return [
    { name: 'kills that found the subscriber', value: r.killed, limit: `= ${r.kills}`, ok: r.killed === r.kills },
    { name: 'kills after which every subscription came back', value: r.restored, limit: `= ${r.kills}`, ok: r.restored === r.kills },
    { name: 'messages published while subscribed and lost', value: r.lost, limit: '= 0', ok: r.lost === 0 },
    { name: 'messages delivered more than once', value: r.duplicated, limit: '= 0', ok: r.duplicated === 0 },
    { name: 'messages delivered although nobody was subscribed', value: r.unexpected, limit: '= 0', ok: r.unexpected === 0 },
    { name: 'reconnect windows counted', value: r.reconnectWindows, limit: `= ${r.kills}`, ok: r.reconnectWindows === r.kills },
  ];
}

if (isMain(import.meta.url)) {
  const kills = argValue('kills', 100);
  const perRound = argValue('per-round', 20);
  const redis = await startRedisServer();
  try {
    for (const protocol of protocolsFromArgs()) {
      const r = await runPubSubKills({ port: redis.port, kills, protocol, perRound, log: (line) => console.log(`  [RESP${protocol}] ${line}`) });
      report(`P3 RESP${protocol}: ${kills} CLIENT KILL TYPE pubsub under a steady publisher (channel, pattern, shard channel)`, r, killsBounds(r));
    }
  } finally {
    await redis.stop();
  }
}
