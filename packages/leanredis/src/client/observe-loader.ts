// @layer L6 client
/**
 * Loads the command observer. From the sources it is a static import; the build replaces this
 * file (build.mjs) with a synchronous require() of dist/extras.js, read by the first command
 * someone observes: a process nobody observes never loads the observer's code.
 */
import { CommandObserver } from './observe.js';

export function loadCommandObserver(): typeof CommandObserver {
  return CommandObserver;
}
