// @layer L6 client
/**
 * Loads the pub/sub manager class. From the sources it is a static import; the build replaces
 * this file (build.mjs) with a synchronous require() of dist/extras.js, read at a client's
 * first subscribe.
 */
import { PubSub } from './pubsub.js';

export function loadPubSub(): typeof PubSub {
  return PubSub;
}
