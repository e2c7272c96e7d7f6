// @layer L7 cluster-client
/**
 * The core (`leanredis`) for the cluster subpath. From the sources it is a static import; the
 * build (build.mjs) replaces this file with a synchronous require() of dist/index.js, so
 * `leanredis/cluster` holds no second copy of the core and `leanredis` keeps its chunks (an
 * entry sharing them split the core into one more file: 272 KB -> 294 KB at import).
 */
import * as core from '../index.js';

export function loadCore(): typeof core {
  return core;
}
