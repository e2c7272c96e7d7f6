/**
 * Argument parsing for the commands, over node:util parseArgs (nothing to install, nothing to
 * load at start): strict, so an unknown option is a usage error naming it, never ignored.
 * Values arrive as strings; the readers below turn them into numbers with units, rejecting
 * anything malformed with a message that names the option.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './cli-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed options and positionals of one command line. */
export interface Parsed<O extends Options> {
  readonly values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>['values'];
  readonly positionals: string[];
  /** What followed a bare `--` (the program for `profile`), or [] when there was none. */
  readonly rest: string[];
}

/**
 * Parses `argv` strictly against `options`. Everything after a bare `--` is returned in `rest`
 * untouched. Throws a usage error (exit 2) naming the offending option.
 */
export function parseCommandLine<O extends Options>(argv: readonly string[], options: O): Parsed<O> {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? [...argv] : argv.slice(0, dash);
  const rest = dash === -1 ? [] : argv.slice(dash + 1);
  try {
    const { values, positionals } = parseArgs({ args: own, options, allowPositionals: true, strict: true });
    return { values, positionals, rest };
  } catch (err) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes and a message naming the option.
    if (err instanceof TypeError && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw usageError(err.message);
    throw err;
  }
}

/** Reads an integer option: `--runs 7`. Rejects fractions, signs out of range, trailing text. */
export function readInteger(value: string | undefined, name: string, fallback: number, range: { min: number; max: number }): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw usageError(`--${name} takes a whole number, got "${value}"`);
  const n = Number(value);
  if (n < range.min || n > range.max) throw usageError(`--${name} must be between ${range.min} and ${range.max}, got ${n}`);
  return n;
}

/** Reads a decimal option: `--max-spread 0.1`. */
export function readNumber(value: string | undefined, name: string, fallback: number, range: { min: number; max: number }): number {
  if (value === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(value)) throw usageError(`--${name} takes a number, got "${value}"`);
  const n = Number(value);
  if (n < range.min || n > range.max) throw usageError(`--${name} must be between ${range.min} and ${range.max}, got ${n}`);
  return n;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Reads a duration option: `30s`, `1500ms`, `2m`, `1h`; a bare number is seconds. Returns ms. */
export function readDurationMs(value: string | undefined, name: string, fallbackMs: number, range: { minMs: number; maxMs: number }): number {
  if (value === undefined) return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value);
  if (m === null) throw usageError(`--${name} takes a duration such as 30s, 1500ms, 2m, got "${value}"`);
  const ms = Math.round(Number(m[1]) * DURATION_UNITS_MS[m[2] ?? 's']);
  if (ms < range.minMs || ms > range.maxMs) throw usageError(`--${name} must be between ${range.minMs} ms and ${range.maxMs} ms, got ${ms} ms`);
  return ms;
}

/** Fails with a usage error unless the count of positionals is within bounds. */
export function expectPositionals(positionals: readonly string[], min: number, max: number, what: string): void {
  if (positionals.length < min) throw usageError(`missing ${what}`);
  if (positionals.length > max) throw usageError(`unexpected argument "${positionals[max]}"`);
}

const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** Reads a size option: `512KiB`, `2MiB`, `1.5M`, `100` (bytes). Units are binary (K = 1024). Returns bytes. */
export function readBytes(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value);
  const unit = m === null ? undefined : SIZE_UNITS[m[2].toLowerCase() || 'b'];
  if (m === null || unit === undefined) throw usageError(`--${name} takes a size such as 512KiB, 2MiB, 1.5G, got "${value}"`);
  return Math.round(Number(m[1]) * unit);
}
