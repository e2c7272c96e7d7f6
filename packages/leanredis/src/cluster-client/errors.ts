// @layer L7 cluster-client
/** The core's ClusterError, re-exported by the subpath (one class, whichever entry it is imported from). */
import { loadCore } from './core-loader.js';
import type { ClusterErrorCode } from '../index.js';

export const ClusterError = loadCore().ClusterError;
export type ClusterError = InstanceType<typeof ClusterError>;
export type { ClusterErrorCode };
