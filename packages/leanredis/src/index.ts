/**
 * leanredis: the public surface. What is not exported here is private.
 */
export { createClient, Client, type ClientEvents, type ClientStats } from './client/client.js';
export { Lease } from './client/lease.js';
export { Subscription, type PubSubMessage, type MessageListener, type SubscribeOptions, type SubscriptionKind } from './client/pubsub.js';
export type { PoolStats } from './pool/stats.js';
export type { LeakReport } from './pool/pool.js';
export type { ClientOptions } from './client/options.js';
export type { CallOptions, ScriptCall, Runner } from './client/runner.js';
export { Pipeline, Multi, type Settled } from './client/pipeline.js';
export type { Credentials, ServerInfo } from './connection/handshake.js';
export type { Key, Value } from './commands/define.js';
export type { SetOptions, GetExOptions, ExpiryOptions } from './commands/strings.js';
export type { ScanOptions, ScanReply, ExpireCondition } from './commands/keys.js';
export type { HScanReply } from './commands/hashes.js';
export type { SScanReply } from './commands/sets.js';
export type { ScoredMember, ZScanReply } from './commands/sorted-sets.js';
export type { Commands } from './commands/index.js';
export type { Arg } from './resp/encoder.js';
export { PushMessage, type RespValue } from './resp/types.js';
export {
  LeanRedisError,
  ArgumentError,
  ConnectionError,
  ConnectTimeoutError,
  ProtocolError,
  CommandTimeoutError,
  AbortError,
  ClientClosedError,
  PoolTimeoutError,
  QueueFullError,
  LeaseReleasedError,
  PipelineError,
  ReplyError,
  hasCode,
  type ErrorCode,
} from './errors.js';
