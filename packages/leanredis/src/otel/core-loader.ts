// @layer L7 otel
/**
 * Loads the public surface of `leanredis` (error classes) for the otel subpath. From the
 * sources it is a static import; the build replaces this file (build.mjs) with a synchronous
 * require() of dist/index.js on first use. A static import would make esbuild split the error
 * classes into a chunk of their own, shared with `leanredis` (one more file and ~5 KB more heap
 * for every import of the core); this way `leanredis` keeps its chunks and `leanredis/diagnostics`
 * loads the core only when it throws or when the caller has loaded it already.
 */
import * as core from '../index.js';

export function loadCore(): typeof core {
  return core;
}
