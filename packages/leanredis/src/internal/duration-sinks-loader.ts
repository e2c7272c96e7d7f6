// @layer L0 internal
/**
 * Loads the duration sinks' registry. From the sources it is a static import; the build
 * replaces this file (build.mjs) with a synchronous require() of dist/extras.js, read by the
 * first instrument() or createCommandMetrics(): a process that installs no recorder never loads it.
 */
import { DurationSinks } from './duration-sinks.js';

export function loadDurationSinks(): typeof DurationSinks {
  return DurationSinks;
}
