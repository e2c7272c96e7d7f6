// @layer L2 commands
/**
 * One validator for every options object a command or helper accepts. Nothing is silently
 * ignored: an unknown key, a value of the wrong type or out of range, and a contradictory
 * combination are refused with ArgumentError (ERR_INVALID_OPTION) naming the key and the
 * accepted ones. Keys spelled the way other clients spell them (`EX`, `{ NX: true }`, `MATCH`)
 * get a hint with ours, because that is how they usually arrive: code moved from ioredis or
 * node-redis, where an ignored `EX` means a session stored without a TTL.
 *
 * Values are described by type only in messages (numbers excepted): an option may hold a
 * secret, and errors reach logs.
 *
 * Speed (SET with a TTL checks an object on every call): a spec is compiled, at its first check,
 * into one function with a `switch` over its own keys, so each key is matched by comparing
 * interned strings, each value read by a load specialised to that spec's call shape and each
 * check called from its own site, instead of two dictionary look-ups and shared, megamorphic
 * sites; simple checks (integer, boolean, oneOf) are written in as expressions and a nested
 * object's spec inline (2-5x faster; docs/BENCHMARKS.md, "What the options check costs"). The
 * generated source holds only constants of the command tables (key names, bounds, words), never
 * input, and where code generation from strings is disallowed
 * (`--disallow-code-generation-from-strings`, a CSP) the same rules run as a loop over the object
 * (`checkEach`): same checks, same order, same messages.
 */
import { ArgumentError } from '../errors.js';

/**
 * Checks one option's value: undefined when it is fine, else what was expected ("an integer >=
 * 1"). `method` and `name` (the option's path) are for checks of nested objects.
 */
export type OptionCheck = (value: unknown, method?: string, name?: string) => string | undefined;

/** The accepted keys of an options object, their checks, and which of them exclude each other. */
export interface OptionsSpec {
  readonly checks: Readonly<Record<string, OptionCheck>>;
  /** Groups of keys of which at most one may be given. */
  readonly exclusive: readonly (readonly string[])[];
  /** For each key in an exclusive group, its group's bit (at most 31 groups). */
  readonly groupBit: Readonly<Record<string, number>>;
  /** The accepted keys, listed for messages. */
  readonly accepted: string;
  /** The compiled check: undefined until the first check, null where code generation is disallowed. */
  compiled: CompiledCheck | null | undefined;
}

/** A spec compiled to one function: checks an object (already known to be one) against it. */
type CompiledCheck = (method: string, record: Record<string, unknown>, path: string) => void;

/** Builds a spec once (at table load), so a check costs a key lookup per given option. */
export function optionsSpec(checks: Record<string, OptionCheck>, exclusive: readonly (readonly string[])[] = []): OptionsSpec {
  const names = Object.keys(checks);
  if (exclusive.length > 31) throw new Error('optionsSpec: at most 31 exclusive groups');
  const groupBit: Record<string, number> = Object.create(null);
  exclusive.forEach((group, i) => {
    for (const key of group) groupBit[key] = 1 << i;
  });
  return { checks: Object.assign(Object.create(null), checks), exclusive, groupBit, accepted: names.join(', '), compiled: undefined };
}

// Other clients' spellings (matched upper-cased): the key of ours they mean, and how to write it
// ('' when the hint is another method); a spelling may mean different keys in different specs.
const OTHER_SPELLINGS: Readonly<Record<string, readonly [key: string, hint: string] | readonly (readonly [key: string, hint: string])[]>> = {
  EX: ['expireSeconds', 'expireSeconds: n'],
  PX: ['expireMs', 'expireMs: n'],
  EXAT: ['expireAtSeconds', 'expireAtSeconds: n'],
  PXAT: ['expireAtMs', 'expireAtMs: n'],
  EXPIRATION: ['expireSeconds', 'expireSeconds, expireMs, expireAtSeconds or expireAtMs'],
  KEEPTTL: ['keepTtl', 'keepTtl: true'],
  NX: ['condition', "condition: 'NX'"],
  XX: ['condition', "condition: 'XX'"],
  GT: ['comparison', "comparison: 'GT'"],
  LT: ['comparison', "comparison: 'LT'"],
  CH: ['changed', 'changed: true'],
  GET: ['', 'the setGet() method'],
  INCR: ['', 'the zAddIncr() method'],
  WITHSCORES: ['', 'the ...WithScores() method'],
  REV: ['reverse', 'reverse: true'],
  BYSCORE: ['by', "by: 'SCORE'"],
  BYLEX: ['by', "by: 'LEX'"],
  RETRY: ['retries', 'retries: n'],
  BUFFER: ['bufferSize', 'bufferSize: n'],
  TIMEOUT: ['timeoutMs', 'timeoutMs: n (ms)'],
  MAXLEN: [
    ['maxLen', 'maxLen: n'],
    ['trim', 'trim: { maxLen: n }'],
  ],
  MINID: [
    ['minId', 'minId: id'],
    ['trim', 'trim: { minId: id }'],
  ],
  NOMKSTREAM: ['noMkStream', 'noMkStream: true'],
  NOACK: ['noAck', 'noAck: true'],
  BLOCK: ['blockMs', 'blockMs: n (ms)'],
  IDLE: ['minIdleMs', 'minIdleMs: n (ms)'],
};

/**
 * Checks `options` against `spec` (nothing to do when it is undefined). Throws ArgumentError
 * (ERR_INVALID_OPTION) naming `method` and the offending key.
 */
export function checkOptions(method: string, options: unknown, spec: OptionsSpec, path = ''): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidOption(method, `${path === '' ? 'options' : `option "${path}"`} must be an object, got ${describe(options)}${path === '' && typeof options === 'string' ? positionalHint(options) : ''}`);
  }
  let compiled = spec.compiled;
  if (compiled === undefined) compiled = spec.compiled = compile(spec);
  if (compiled === null) checkEach(method, options as Record<string, unknown>, spec, path);
  else compiled(method, options as Record<string, unknown>, path);
}

/**
 * The rules of checkOptions as a loop over the object: where code generation is disallowed, and
 * the reference the compiled form is tested against. for-in, not Object.keys: no array per call,
 * and an inherited enumerable key is checked too, since the command reads it like an own one.
 */
export function checkEach(method: string, record: Record<string, unknown>, spec: OptionsSpec, path = ''): void {
  const checks = spec.checks;
  let groups = 0;
  for (const key in record) {
    const check = checks[key];
    if (check === undefined) throw unknownOption(method, spec, path, key);
    const value = record[key];
    if (value === undefined) continue;
    const expected = check(value, method, path === '' ? key : path + key);
    if (expected !== undefined) throw wrongValue(method, path, key, value, expected);
    const bit = spec.groupBit[key];
    if (bit === undefined) continue;
    if ((groups & bit) !== 0) throw combined(method, record, spec, path, key);
    groups |= bit;
  }
}

/**
 * The spec as one function, or null where code generation from strings is disallowed. The
 * source holds only the spec's key names (JSON-quoted) and group bits; checks and errors are
 * passed in. Per key, in checkEach's order: skip an undefined value, check it, then its group.
 */
function compile(spec: OptionsSpec): CompiledCheck | null {
  const names = Object.keys(spec.checks);
  const inner: (CompiledCheck | undefined)[] = [];
  const cases = names.map((name, i) => {
    const quoted = JSON.stringify(name);
    const bit = spec.groupBit[name];
    const group = bit === undefined ? '' : `if ((groups & ${bit}) !== 0) throw combined(method, record, spec, path, key); groups |= ${bit};`;
    let check = `expected = check${i}(value, method, path === '' ? key : path + key);
      if (expected !== undefined) throw wrongValue(method, path, key, value, expected);`;
    // A simple check (integer, boolean, oneOf) as an expression: the closure runs only when it
    // fails, to say what was expected.
    const test = INLINE.get(spec.checks[name]!);
    if (test !== undefined) check = `if (!(${test})) { ${check} }`;
    // A nested object at the top level (limit: { offset, count }) is checked inline by its own
    // compiled spec, with its path a constant: no call through nested()'s closure, no string built.
    const nestedSpec = NESTED.get(spec.checks[name]!);
    const compiledInner = nestedSpec === undefined ? undefined : (nestedSpec.spec.compiled ??= compile(nestedSpec.spec));
    if (nestedSpec !== undefined && compiledInner) {
      inner[i] = compiledInner;
      const required = nestedSpec.required.map((r) => `if (value[${JSON.stringify(r)}] === undefined) throw wrongValue(method, path, key, value, ${JSON.stringify(`an object with "${r}"`)});`);
      check = `if (path === '' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
        inner${i}(method, value, ${JSON.stringify(`${name}.`)});
        ${required.join(' ')}
      } else { ${check} }`;
    }
    return `case ${quoted}: value = record[${quoted}]; if (value === undefined) continue;
      ${check}
      ${group} continue;`;
  });
  const source = `const [${names.map((_, i) => `check${i}`).join(', ')}] = checks;
const [${names.map((_, i) => `inner${i}`).join(', ')}] = inner;
return function compiledCheck(method, record, path) {
  let groups = 0, value, expected;
  for (const key in record) {
    switch (key) {
      ${cases.join('\n      ')}
      default: throw unknownOption(method, spec, path, key);
    }
  }
};`;
  let factory: (...args: unknown[]) => CompiledCheck;
  try {
    // Built from the spec's key names, never from input (see the file comment).
    factory = new Function('checks', 'inner', 'spec', 'combined', 'wrongValue', 'unknownOption', source) as (...args: unknown[]) => CompiledCheck;
  } catch (error) {
    if (error instanceof EvalError) return null; // code generation disallowed: checkEach
    throw error;
  }
  return factory(names.map((name) => spec.checks[name]), inner, spec, combined, wrongValue, unknownOption);
}

function unknownOption(method: string, spec: OptionsSpec, path: string, key: string): ArgumentError {
  return invalidOption(method, `unknown option "${path}${key}"${hintFor(key, spec)}; accepted: ${spec.accepted}`);
}

function wrongValue(method: string, path: string, key: string, value: unknown, expected: string): ArgumentError {
  return invalidOption(method, `option "${path}${key}" must be ${expected}, got ${describe(value)}`);
}

/** The error for two keys of one exclusive group: names the one given before `key`. */
function combined(method: string, record: Record<string, unknown>, spec: OptionsSpec, path: string, key: string): ArgumentError {
  const group = spec.exclusive.find((g) => g.includes(key)) ?? [];
  let given = '';
  for (const k in record) {
    if (k === key) break;
    if (record[k] !== undefined && group.includes(k)) given = k;
  }
  return invalidOption(method, `options "${path}${given}" and "${path}${key}" cannot be combined`);
}

/** An ArgumentError about an option (ERR_INVALID_OPTION). */
export function invalidOption(method: string, message: string): ArgumentError {
  return new ArgumentError(`${method}: ${message}`, 'ERR_INVALID_OPTION');
}

function hintFor(key: string, spec: OptionsSpec): string {
  const other = OTHER_SPELLINGS[key.toUpperCase()];
  const candidates = other === undefined ? [] : typeof other[0] === 'string' ? [other as readonly [string, string]] : (other as readonly (readonly [string, string])[]);
  for (const [target, hint] of candidates) if (target === '' || spec.checks[target] !== undefined) return ` (use ${hint})`;
  const lower = key.toLowerCase();
  for (const name of Object.keys(spec.checks)) if (name.toLowerCase() === lower) return ` (use "${name}")`;
  return '';
}

// ioredis passes options positionally: set(k, v, 'EX', 10).
function positionalHint(token: string): string {
  const other = OTHER_SPELLINGS[token.toUpperCase()];
  if (other === undefined) return '';
  const hint = typeof other[0] === 'string' ? (other as readonly [string, string])[1] : (other as readonly (readonly [string, string])[])[0][1];
  return ` (positional "${token.slice(0, 8)}" is { ${hint} } here)`;
}

/** A value for a message: its type, or the number itself (never a string's content). */
export function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (Buffer.isBuffer(value)) return 'a Buffer';
  return typeof value;
}

// ---- checks --------------------------------------------------------------------------------

/** Checks compile() writes out as an expression over `value` (true when valid). */
const INLINE = new WeakMap<OptionCheck, string>();

/** An integer from `min` to `max` (safe integers only). */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): OptionCheck {
  const expected = integerText(min, max);
  const check: OptionCheck = (v) => (Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? undefined : expected);
  if (Number.isSafeInteger(min) && Number.isSafeInteger(max)) INLINE.set(check, `Number.isSafeInteger(value) && value >= ${min} && value <= ${max}`);
  return check;
}

/** "an integer >= min" or "an integer from min to max". */
export function integerText(min: number, max = Number.MAX_SAFE_INTEGER): string {
  return max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
}

/** A finite number. */
export const finite: OptionCheck = (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : 'a finite number');

/** true or false (not 1, not "yes"). */
export const boolean: OptionCheck = (v) => (typeof v === 'boolean' ? undefined : 'true or false');
INLINE.set(boolean, `typeof value === 'boolean'`);

/** A string. */
export const text: OptionCheck = (v) => (typeof v === 'string' ? undefined : 'a string');

/** A string or a Buffer (a pattern, a name, an id). */
export const bytes: OptionCheck = (v) => (typeof v === 'string' || Buffer.isBuffer(v) ? undefined : 'a string or a Buffer');

/** A string, a Buffer or a finite number (a value). */
export const value: OptionCheck = (v) =>
  typeof v === 'string' || Buffer.isBuffer(v) || (typeof v === 'number' && Number.isFinite(v)) ? undefined : 'a string, a Buffer or a finite number';

/** One of the given words. */
export function oneOf(...words: readonly string[]): OptionCheck {
  const expected = words.map((w) => `"${w}"`).join(' or ');
  const check: OptionCheck = (v) => (typeof v === 'string' && words.includes(v) ? undefined : expected);
  INLINE.set(check, `(${words.map((w) => `value === ${JSON.stringify(w)}`).join(' || ')})`);
  return check;
}

/** The checks nested() made, with what they check: compile() checks those objects inline. */
const NESTED = new WeakMap<OptionCheck, { spec: OptionsSpec; required: readonly string[] }>();

/** A nested options object with its own spec (e.g. `limit: { offset, count }`), with its `required` keys. */
export function nested(spec: OptionsSpec, required: readonly string[] = []): OptionCheck {
  // The nested path ("limit.") is built once per name, not on every call.
  let lastName = '';
  let prefix = '.';
  const check: OptionCheck = (v, method = '', name = '') => {
    if (name !== lastName) {
      lastName = name;
      prefix = `${name}.`;
    }
    checkOptions(method, v, spec, prefix);
    for (const key of required) if ((v as Record<string, unknown>)[key] === undefined) return `an object with "${key}"`;
    return undefined;
  };
  NESTED.set(check, { spec, required });
  return check;
}

/** An array whose every element passes `each`. */
export function arrayOf(each: OptionCheck, what: string, nonEmpty = false): OptionCheck {
  const expected = `${nonEmpty ? 'a non-empty' : 'an'} array of ${what}`;
  return (v) => {
    if (!Array.isArray(v) || (nonEmpty && v.length === 0)) return expected;
    for (const item of v) if (each(item) !== undefined) return expected;
    return undefined;
  };
}

/** One item or a non-empty array of them (the `Keys` rule): `one` and `what` name them ("a key", "keys"). */
export function oneOrMany(each: OptionCheck, one: string, what: string): OptionCheck {
  const expected = `${one} or a non-empty array of ${what}`;
  return (v) => {
    if (!Array.isArray(v)) return each(v) === undefined ? undefined : expected;
    if (v.length === 0) return expected;
    for (const item of v) if (each(item) !== undefined) return expected;
    return undefined;
  };
}
