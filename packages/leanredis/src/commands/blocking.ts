/**
 * How long a command may block on the server, read from its arguments. Blocking commands run
 * on a leased connection with a deadline of this long plus a grace, so they never hold up
 * multiplexed traffic and are never cut short by the ordinary command timeout.
 */
import type { Arg } from '../resp/encoder.js';

// Server timeout in seconds as the last argument.
const LAST_SECONDS = new Set(['BLPOP', 'BRPOP', 'BLMOVE', 'BRPOPLPUSH', 'BZPOPMIN', 'BZPOPMAX']);
// Server timeout in seconds as the first argument.
const FIRST_SECONDS = new Set(['BLMPOP', 'BZMPOP']);
// Server timeout in milliseconds as the last argument.
const LAST_MS = new Set(['WAIT', 'WAITAOF']);

function number(arg: Arg | undefined): number {
  const n = typeof arg === 'number' ? arg : Number(typeof arg === 'string' ? arg : String(arg));
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * The server-side block time in ms for command `name` (upper case) with these arguments:
 * undefined when the command does not block, 0 when it may block forever.
 */
export function blockingTimeoutMs(name: string, args: readonly Arg[]): number | undefined {
  if (LAST_SECONDS.has(name)) return Math.ceil(number(args[args.length - 1]) * 1000);
  if (FIRST_SECONDS.has(name)) return Math.ceil(number(args[0]) * 1000);
  if (LAST_MS.has(name)) return number(args[args.length - 1]);
  if (name === 'XREAD' || name === 'XREADGROUP') {
    // Blocks only with BLOCK <ms> before STREAMS.
    for (let i = 0; i < args.length - 1; i++) {
      const a = args[i];
      if (typeof a === 'string' && a.length === 5 && a.toUpperCase() === 'BLOCK') return number(args[i + 1]);
      if (typeof a === 'string' && a.toUpperCase() === 'STREAMS') break;
    }
  }
  return undefined;
}
