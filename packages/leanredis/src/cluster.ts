// @layer surface
/**
 * `leanredis/cluster`: the Redis Cluster client. A subpath of its own, so `import 'leanredis'`
 * loads none of it (test/package/cluster-subpath.test.mjs checks the module graph).
 */
export { createCluster, ClusterClient, type ClusterStats, type ClusterNodeStats } from './cluster-client/cluster-client.js';
export type { ClusterOptions, BufferClusterOptions, ReadFrom } from './cluster-client/cluster-options.js';
export { ClusterError, type ClusterErrorCode } from './cluster-client/errors.js';
export { keySlot, SLOT_COUNT } from './internal/crc16.js';
