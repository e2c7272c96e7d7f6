// @layer L1 resp
/**
 * Loads the Decoder class. From the sources it is a static import; the build replaces this
 * file (build.mjs) with a synchronous require() of dist/extras.js, read by the first
 * connection rather than at import.
 */
import { Decoder } from './decoder.js';

export function loadDecoder(): typeof Decoder {
  return Decoder;
}
