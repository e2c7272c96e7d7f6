// @layer L6 client
/**
 * What leanredis's own subpaths built apart from the core (`leanredis/cluster`) need of it
 * beyond the public API: the command surface's base class and the funnel's checks; for
 * `leanredis/otel` and `leanredis/diagnostics`, the duration sinks' registry (loaded on first use). They reach
 * it through `src/index.ts` (`__internals`), so the subpath's bundle holds no second copy of the
 * core and `import 'leanredis'` keeps its two files. Not a public API: it may change at any time.
 */
import { define } from '../commands/define.js';
import { measureArgs } from '../resp/encoder.js';
import { backoffDelay } from '../internal/backoff.js';
import { DISPATCHER } from './client.js';
import { checkCallOptions, needsLease } from './dispatcher.js';
import { resolveOptions } from './options.js';
import { RUN, Runner, checkArguments } from './runner.js';
import { loadDurationSinks } from '../internal/duration-sinks-loader.js';

export interface Internals {
  readonly Runner: typeof Runner;
  readonly RUN: typeof RUN;
  readonly DISPATCHER: typeof DISPATCHER;
  readonly define: typeof define;
  readonly measureArgs: typeof measureArgs;
  readonly backoffDelay: typeof backoffDelay;
  readonly checkCallOptions: typeof checkCallOptions;
  readonly needsLease: typeof needsLease;
  readonly resolveOptions: typeof resolveOptions;
  readonly checkArguments: typeof checkArguments;
  /** The duration sinks' registry (internal/duration-sinks.ts), loaded from dist/extras.js on first call. */
  readonly loadDurationSinks: typeof loadDurationSinks;
}

export const internals: Internals = { Runner, RUN, DISPATCHER, define, measureArgs, backoffDelay, checkCallOptions, needsLease, resolveOptions, checkArguments, loadDurationSinks };
