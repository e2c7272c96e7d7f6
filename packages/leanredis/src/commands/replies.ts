// @layer L2 commands
/**
 * Reply readers shared by the families. Each reads a reply's shape, not its protocol: RESP2
 * flat arrays and bulk-string numbers, RESP3 maps and doubles give the same value.
 */
import type { ServerText } from './define.js';

/** A reply as text (ServerText): bulk strings may be Buffers under returnBuffers. */
export function asString(reply: unknown): ServerText {
  return (typeof reply === 'string' ? reply : Buffer.isBuffer(reply) ? reply.toString() : String(reply)) as ServerText;
}

export function asStringOrNull(reply: unknown): ServerText | null {
  return reply === null ? null : asString(reply);
}

/** A number from an integer, a RESP3 double or a RESP2 bulk string ("inf" included). */
export function toNumber(reply: unknown): number {
  if (typeof reply === 'number') return reply;
  const s = asString(reply);
  if (s === 'inf' || s === '+inf') return Infinity;
  if (s === '-inf') return -Infinity;
  return Number(s);
}

export function toNumberOrNull(reply: unknown): number | null {
  return reply === null ? null : toNumber(reply);
}

export function toBoolean(reply: unknown): boolean {
  return reply === 1 || reply === true;
}

export function toBooleans(reply: unknown): boolean[] {
  return (reply as unknown[]).map(toBoolean);
}

export function toNumbers(reply: unknown): number[] {
  return (reply as unknown[]).map(toNumber);
}

export function toNumbersOrNull(reply: unknown): (number | null)[] {
  return (reply as unknown[]).map(toNumberOrNull);
}

/** "OK" status replies. */
export function toOk(reply: unknown): 'OK' {
  return asString(reply) as 'OK';
}

/** "OK", or null (SET NX/XX that did not write). */
export function toOkOrNull(reply: unknown): 'OK' | null {
  return reply === null ? null : 'OK';
}

/**
 * A map reply (RESP3 Map, or RESP2 flat [k, v, k, v] array) as a prototype-free record, so a
 * hostile key like "__proto__" is just a key.
 */
export function toRecord<V = unknown>(reply: unknown, value: (v: unknown) => V = identity as (v: unknown) => V): Record<string, V> {
  const out: Record<string, V> = Object.create(null);
  if (reply instanceof Map) for (const [k, v] of reply) out[asString(k)] = value(v);
  else if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) out[asString(reply[i])] = value(reply[i + 1]);
  return out;
}

/** Pairs from a RESP3 array of [a, b] pairs or a RESP2 flat [a, b, a, b] list. */
export function toPairs<A, B>(reply: unknown, first: (v: unknown) => A, second: (v: unknown) => B): [A, B][] {
  const list = reply as unknown[];
  if (list.length === 0) return [];
  if (Array.isArray(list[0])) return list.map((p) => [first((p as unknown[])[0]), second((p as unknown[])[1])]);
  const out: [A, B][] = [];
  for (let i = 0; i + 1 < list.length; i += 2) out.push([first(list[i]), second(list[i + 1])]);
  return out;
}

/** A member with its score (sorted sets, GEO with scores). */
export interface ScoredMember {
  member: string;
  score: number;
}

/**
 * Members and scores from a WITHSCORES-style reply: RESP2 sends a flat [m, s, m, s] list with
 * scores as text, RESP3 a list of [m, s] pairs with doubles. Members are kept as they came
 * (strings, or Buffers under returnBuffers).
 */
export function toScoredMembers(reply: unknown): ScoredMember[] {
  const list = reply as unknown[];
  const out: ScoredMember[] = [];
  // Members are bulk strings, never arrays, so the first element tells the two shapes apart.
  if (list.length > 0 && Array.isArray(list[0])) {
    for (const pair of list as unknown[][]) out.push({ member: pair[0] as string, score: toNumber(pair[1]) });
  } else {
    for (let i = 0; i + 1 < list.length; i += 2) out.push({ member: list[i] as string, score: toNumber(list[i + 1]) });
  }
  return out;
}

/** The reply as it came, typed by the definition (integers, bulk strings, arrays of them). */
export function asIs<T>(reply: unknown): T {
  return reply as T;
}

function identity<T>(v: T): T {
  return v;
}
