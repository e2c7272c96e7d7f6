// @layer L6 client
/**
 * Loads the stream consumer class. From the sources it is a static import; the build replaces
 * this file (build.mjs) with a synchronous require() of dist/extras.js, read at a client's first
 * streamConsumer().
 */
import { StreamConsumer } from './stream-consumer.js';

export function loadStreamConsumer(): typeof StreamConsumer {
  return StreamConsumer;
}
