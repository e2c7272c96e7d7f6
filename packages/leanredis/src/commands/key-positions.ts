// @layer L2 commands
/**
 * Where a command's keys are in its wire arguments, from its definition's key specs (the
 * server's model: COMMAND INFO). Cluster routing hashes these; tests check them against
 * `COMMAND GETKEYS` for every command.
 */
import type { Arg } from '../resp/encoder.js';
import type { CommandDefinition, KeySpec } from './define.js';

function isWord(arg: Arg | undefined, word: string): boolean {
  return (typeof arg === 'string' || Buffer.isBuffer(arg)) && arg.length === word.length && arg.toString().toUpperCase() === word;
}

/** The index where a spec's search begins, or -1 when its keyword is absent. */
function beginOf(spec: KeySpec, args: readonly Arg[]): number {
  if (spec.keyword === undefined) return spec.index ?? 0;
  const from = spec.startFrom ?? 0;
  if (from >= 0) {
    for (let i = from; i < args.length; i++) if (isWord(args[i], spec.keyword)) return i + 1;
  } else {
    for (let i = args.length + from; i >= 0; i--) if (isWord(args[i], spec.keyword)) return i + 1;
  }
  return -1;
}

/**
 * The indexes of the keys in `args` (the wire arguments after the name tokens), in order:
 * empty for a command without keys, undefined when they are unknown (`call()` of a command
 * outside the table). Indexes past the end are dropped (the server will reject the command).
 * Shard channels (`notKey` specs) are included, since they route like keys, unless
 * `keysOnly` (what COMMAND GETKEYS reports).
 */
export function keyIndexes(definition: CommandDefinition, args: readonly Arg[], keysOnly = false): number[] | undefined {
  const specs = definition.keys;
  if (specs === undefined) return undefined;
  const out: number[] = [];
  for (const spec of specs) {
    if (keysOnly && spec.notKey) continue;
    const begin = beginOf(spec, args);
    if (begin < 0 || begin >= args.length) continue;
    if (spec.keyNumIndex !== undefined) {
      const count = Number(args[begin + spec.keyNumIndex]);
      if (!Number.isSafeInteger(count) || count < 0) continue;
      const first = begin + (spec.firstKey ?? 1);
      for (let i = 0; i < count && first + i < args.length; i++) out.push(first + i);
      continue;
    }
    const lastKey = spec.lastKey ?? 0;
    const step = spec.keyStep ?? 1;
    let last: number;
    if (lastKey >= 0) last = begin + lastKey;
    else if (spec.limit !== undefined && spec.limit > 1) last = begin + Math.floor((args.length - begin) / spec.limit) - 1;
    else last = args.length + lastKey;
    for (let i = begin; i <= last && i < args.length; i += step) out.push(i);
  }
  return out;
}

/** The keys themselves (see keyIndexes). */
export function keysOf(definition: CommandDefinition, args: readonly Arg[], keysOnly = false): Arg[] | undefined {
  return keyIndexes(definition, args, keysOnly)?.map((i) => args[i]);
}
