// @layer L7 diagnostics
/**
 * L7 diagnostics: option checks shared by every diagnostics function. Like `createClient`, each
 * function rejects an unknown key by name and an out-of-range value with its accepted range
 * (ArgumentError, ERR_INVALID_OPTION), synchronously, before doing anything.
 */
import { loadCore } from './core-loader.js';

function invalid(message: string): never {
  throw new (loadCore().ArgumentError)(message);
}

/**
 * Checks that `options` is undefined or a plain object whose keys are all in `known`; returns
 * it as a record (empty when undefined). `fn` names the function in the message.
 */
export function checkOptions(fn: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    invalid(`${fn}: options must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) invalid(`${fn}: unknown option "${key}" (known: ${known.join(', ')})`);
  }
  return options as Record<string, unknown>;
}

/** An integer option in [min, max], or `fallback` when absent. `unit` is appended to the range. */
export function intOption(fn: string, options: Record<string, unknown>, name: string, fallback: number, min: number, max: number, unit = ''): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(`${fn}: option "${name}" must be an integer from ${min} to ${max}${unit}`);
  }
  return value;
}

/** A number option in [min, max] (fractions allowed), or `fallback` when absent. */
export function numberOption(fn: string, options: Record<string, unknown>, name: string, fallback: number, min: number, max: number, unit = ''): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    invalid(`${fn}: option "${name}" must be a number from ${min} to ${max}${unit}`);
  }
  return value;
}

/** A function option, or undefined when absent. */
export function functionOption<F extends (...args: never[]) => unknown>(fn: string, options: Record<string, unknown>, name: string): F | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'function') invalid(`${fn}: option "${name}" must be a function`);
  return value as F;
}

/** A boolean option, or `fallback` when absent. */
export function booleanOption(fn: string, options: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') invalid(`${fn}: option "${name}" must be a boolean`);
  return value;
}
