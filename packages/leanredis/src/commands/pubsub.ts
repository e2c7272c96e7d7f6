// @layer L2 commands
/**
 * Publishing and pub/sub introspection. Subscribing is `client.subscribe()` and friends (one
 * shared connection per client, bounded buffers); these commands run on any connection.
 * Shard channels (SPUBLISH, PUBSUB SHARD*) hash like keys, so a cluster client routes them to
 * the channel's slot: their channel is a key in the table.
 */
import { listOf } from './arguments.js';
import { define, type Value } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { toNumber, toPairs } from './replies.js';

/** Subscriber counts per channel, in the order asked. */
export type ChannelCounts = [channel: string, subscribers: number][];

// The shard channel routes like a key (its slot) without being one.
const SHARD_CHANNEL = [{ index: 0, notKey: true }];
const channelCounts = (r: unknown): ChannelCounts => toPairs(r, (c) => c as string, toNumber);
const patternArg = (pattern?: string) => (pattern === undefined ? [] : [pattern]);
const channels = (method: string) => (names?: string | readonly string[]) => (names === undefined ? [] : listOf(method, 'channel', names));

/** Publishing and PUBSUB introspection. */
export interface PubSubCommands<K extends Kind> {
  /** PUBLISH channel message: how many subscribers received it (on this node; in a cluster, of the whole cluster). */
  publish(channel: string, message: Value): Out<K, number>;
  /** SPUBLISH shardchannel message: publishes to a shard channel (Redis 7); how many subscribers of its shard received it. */
  sPublish(shardChannel: string, message: Value): Out<K, number>;
  /** PUBSUB CHANNELS [pattern]: channels with at least one subscriber (matching the glob pattern). */
  pubsubChannels(pattern?: string): Out<K, string[]>;
  /** PUBSUB NUMSUB [channel ...]: subscriber counts (pattern subscribers not included), as [channel, count] pairs. */
  pubsubNumSub(channels?: string | readonly string[]): Out<K, ChannelCounts>;
  /** PUBSUB NUMPAT: the number of pattern subscriptions (of all clients). */
  pubsubNumPat(): Out<K, number>;
  /** PUBSUB SHARDCHANNELS [pattern]: shard channels with at least one subscriber. */
  pubsubShardChannels(pattern?: string): Out<K, string[]>;
  /** PUBSUB SHARDNUMSUB [shardchannel ...]: subscriber counts of shard channels, as [channel, count] pairs. */
  pubsubShardNumSub(channels?: string | readonly string[]): Out<K, ChannelCounts>;
}

/** The family's definitions, built on first use (see commands/table.ts). */
export const pubSubCommands = (): Definitions<PubSubCommands<DefinitionKind>> => ({
  publish: define('PUBLISH', { arity: 2, keys: [] }),
  sPublish: define('SPUBLISH', { arity: 2, keys: SHARD_CHANNEL }),
  pubsubChannels: define('PUBSUB CHANNELS', { build: patternArg, readOnly: true, keys: [] }),
  pubsubNumSub: define('PUBSUB NUMSUB', { build: channels('pubsubNumSub'), transform: channelCounts, readOnly: true, keys: [] }),
  pubsubNumPat: define('PUBSUB NUMPAT', { arity: 0, readOnly: true, keys: [] }),
  pubsubShardChannels: define('PUBSUB SHARDCHANNELS', { build: patternArg, readOnly: true, keys: [] }),
  pubsubShardNumSub: define('PUBSUB SHARDNUMSUB', { build: channels('pubsubShardNumSub'), transform: channelCounts, readOnly: true, keys: [] }),
});
