// @layer L2 commands
/**
 * How long a command may block on the server, read from its definition's block spec and its
 * wire arguments. Blocking commands run on a leased connection with a deadline of this long
 * plus a grace, so they never hold up multiplexed traffic and are never cut short by the
 * ordinary command timeout.
 */
import type { Arg } from '../resp/encoder.js';
import type { CommandDefinition } from './define.js';

function number(arg: Arg | undefined): number {
  const n = typeof arg === 'number' ? arg : Number(typeof arg === 'string' ? arg : String(arg));
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function isWord(arg: Arg | undefined, word: string): boolean {
  return (typeof arg === 'string' || Buffer.isBuffer(arg)) && arg.length === word.length && arg.toString().toUpperCase() === word;
}

/**
 * The server-side block time in ms of `definition` sent with these wire arguments: undefined
 * when it does not block (no block spec, or XREAD without BLOCK), 0 when it may block forever.
 */
export function blockingTimeoutMs(definition: CommandDefinition, args: readonly Arg[]): number | undefined {
  const block = definition.block;
  if (block === undefined) return undefined;
  if ('at' in block) {
    const value = number(args[block.at < 0 ? args.length + block.at : block.at]);
    return block.unit === 's' ? Math.ceil(value * 1000) : value;
  }
  // Blocks only with the keyword (BLOCK <ms>) before the end of the options (STREAMS).
  for (let i = 0; i < args.length - 1; i++) {
    if (isWord(args[i], block.keyword)) return number(args[i + 1]);
    if (isWord(args[i], block.before)) break;
  }
  return undefined;
}
