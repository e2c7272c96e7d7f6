// @layer L7 cluster-client
/** The core's ClusterError, re-exported by the subpath (one class, whichever entry it is imported from). */
import * as core from '../index.js';
import type { ClusterErrorCode } from '../index.js';

export const ClusterError = core.ClusterError;
export type ClusterError = InstanceType<typeof ClusterError>;
export type { ClusterErrorCode };
