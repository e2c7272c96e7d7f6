// @layer surface
/**
 * leanredis: the public surface. What is not exported here is private.
 */
export { createClient, Client, type ClientEvents, type ClientStats, type WatchOptions } from './client/client.js';
export { Lease } from './client/lease.js';
export type { Subscription, PubSubMessage, MessageListener, SubscribeOptions, SubscriptionKind } from './client/subscription.js';
export type { StreamConsumer, StreamConsumerOptions, StreamMessage, StreamConsumerStats } from './client/stream-consumer.js';
export type { StreamId, StreamEntry, StreamEntries, StreamTrim, XAddOptions, XRangeOptions, XReadOptions, XSetIdOptions, StreamOffsets } from './commands/streams.js';
export type {
  StreamGroupEntry,
  StreamGroupEntries,
  XReadGroupOptions,
  PendingSummary,
  PendingEntry,
  XPendingRangeOptions,
  XClaimOptions,
  XAutoClaimOptions,
  AutoClaimed,
  AutoClaimedIds,
  StreamInfo,
  StreamGroupInfo,
  StreamConsumerInfo,
  XGroupCreateOptions,
} from './commands/stream-groups.js';
export type { ChannelCounts } from './commands/pubsub.js';
export type { PoolStats } from './pool/stats.js';
export type { LeakReport } from './pool/pool.js';
export type { WriteHold } from './connection/in-flight-budget.js';
export type { ClientOptions, BufferClientOptions, ArgumentsSanitizer } from './client/options.js';
export type { CommandContext, BatchContext, ConnectContext, Destination } from './internal/channels.js';
export type { CallOptions, ScriptCall, Runner } from './client/runner.js';
export { Pipeline, Multi, type LeaseMulti, type Settled } from './client/pipeline.js';
/** @internal For leanredis's own subpaths (`leanredis/cluster`); not a public API, may change at any time. */
export { internals as __internals } from './client/internals.js';
export type { Credentials, ServerInfo } from './connection/handshake.js';
export type { BitUnit, BitCountRange, BitPosRange, BitOperation, BitFieldEncoding, BitFieldOffset, BitFieldOverflow, BitFieldGet, BitFieldSet, BitFieldIncrBy, BitFieldOverflowOperation, BitFieldOperation } from './commands/bitmaps.js';
export type { ServerText, Key, Keys, Value, CommandDefinition, KeySpec, BlockSpec, ConnectionState } from './commands/define.js';
export type { GeoUnit, GeoCoordinates, GeoMember, GeoAddOptions, GeoSearchFrom, GeoSearchBy, GeoSearchOptions, GeoSearchWithOptions, GeoSearchStoreOptions, GeoSearchHit } from './commands/geo.js';
export type { HScanReply } from './commands/hashes.js';
export type { ExpireCondition, ScanReply, CopyOptions, RestoreOptions } from './commands/keys.js';
export type { ScanOptions, KeyScanOptions, FlushMode } from './commands/arguments.js';
export type { ListSide, KeyElement, KeyElements, LPosOptions, LmPopOptions } from './commands/lists.js';
export type { FunctionCall, FunctionLoadOptions, FunctionListOptions, FunctionDescription, FunctionLibrary, RunningFunction, FunctionStats, FunctionRestorePolicy } from './commands/scripting.js';
export type { InfoReply, ClientRecord, ClientType, ServerTime, ClientListOptions, ClientKillFilters, MemoryUsageOptions, SlowLogEntry } from './commands/server.js';
export type { ReplicaRole, MasterRole, ReplicaOfRole, SentinelRole, RoleReply, BgSaveOptions, LolwutOptions, FailoverOptions, ModuleLoadExOptions, ModuleDescription, TrackingInfo } from './commands/server-admin.js';
export type { MemoryStats, LatencySample, LatencyEvent, LatencyHistogram, KeySearch, CommandKeySpec, CommandInfo, CommandDoc, DocValue, KeyWithFlags, CommandListFilter } from './commands/introspection.js';
export type { AclSelector, AclUser, AclLogEntry } from './commands/acl.js';
export type { ClusterNode, SlotNode, SlotRange, ClusterShard, ClusterLink } from './commands/cluster-info.js';
export type { SortOptions, MigrateOptions } from './commands/sort-migrate.js';
export type { StreamInfoFull, StreamGroupFull, StreamConsumerFull, StreamPendingFull } from './commands/stream-info-full.js';
export type { SScanReply, SInterCardOptions } from './commands/sets.js';
export type { ZRangeOptions, ZRangeWithScoresOptions, ZAggregateOptions, ZmPopOptions, KeyScoredMembers } from './commands/sorted-sets-range.js';
export type { ScoredMember, ZAddMember, KeyScoredMember, ZScanReply, RangeBound, ZAddOptions, ZAddIncrOptions } from './commands/sorted-sets.js';
export type { ExpiryOptions, SetOptions, GetExOptions, Entries } from './commands/strings.js';
export type { Commands, CommandMethods, LeaseCommandMethods } from './commands/index.js';
export type { Kind, Out, PromiseKind, Reply, ToBuffers } from './commands/kinds.js';
export type { PipelineKind, MultiKind, LeaseMultiKind } from './client/pipeline.js';
export type { Arg } from './resp/encoder.js';
export { PushMessage, type RespValue } from './resp/types.js';
export {
  LeanRedisError,
  ArgumentError,
  ConnectionError,
  ConnectTimeoutError,
  CircuitOpenError,
  ProtocolError,
  CommandTimeoutError,
  AbortError,
  ClientClosedError,
  PoolTimeoutError,
  QueueFullError,
  LeaseReleasedError,
  PipelineError,
  WatchConflictError,
  ReplyError,
  SentinelError,
  ClusterError,
  hasCode,
  type ErrorCode,
  type ClusterErrorCode,
  type QueueFullReason,
  type SentinelErrorCode,
} from './errors.js';
