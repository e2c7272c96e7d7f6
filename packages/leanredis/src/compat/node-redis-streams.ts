// @layer L7 compat
/**
 * Stream commands for `leanredis/compat/node-redis`, in node-redis v5's shapes (RESP2, its
 * default): `xAdd(key, id, message, { TRIM: { strategy, strategyModifier, threshold, limit },
 * NOMKSTREAM })`, `xRead({ key, id } | [...], { COUNT, BLOCK })` and `xReadGroup(group,
 * consumer, streams, { COUNT, BLOCK, NOACK })` replying `[{ name, messages: [{ id, message }] }]`
 * or null, `xRange`/`xRevRange(key, start, end, { COUNT })` replying `[{ id, message }]`,
 * `xGroupCreate(key, group, id, { MKSTREAM, ENTRIESREAD })`, `xAck`, `xDel`, `xLen`,
 * `xTrim(key, strategy, threshold, { strategyModifier, LIMIT })`, `xGroupDestroy`. A BLOCK read
 * runs on a connection of its own (leanredis leases one), so it does not stall other commands.
 */
import { checkKeys, refuse, typeOf } from './shared.js';

type Args = unknown[];
type Build = (args: Args) => [method: string, args: Args];
type Shape = (reply: never) => unknown;

/** A stream entry as leanredis returns it. */
export interface LeanEntry {
  id: string;
  fields: Record<string, string> | null;
}

/** node-redis's entry: `{ id, message }` (message null for an entry deleted while pending). */
const entry = (e: LeanEntry): { id: string; message: Record<string, string> | null } => ({ id: e.id, message: e.fields === null ? null : { ...e.fields } });
const entries = (list: LeanEntry[]): unknown[] => list.map(entry);
/** XREAD / XREADGROUP: `[{ name, messages }]`, or null when nothing arrived. */
const streamsReply = (r: { key: string; entries: LeanEntry[] }[] | null): unknown => (r === null ? null : r.map((s) => ({ name: s.key, messages: entries(s.entries) })));

function count(method: string, name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') refuse(method, `option "${name}" must be a number, got ${typeOf(value)}`, 'ERR_INVALID_OPTION');
  return value;
}

function most(method: string, args: Args, n: number): void {
  if (args.length > n) refuse(method, `expected at most ${n} arguments, got ${args.length}`);
}

/** node-redis's TRIM / xTrim options as leanredis's `trim`. */
function trim(method: string, strategy: unknown, threshold: unknown, modifier: unknown, limit: unknown): Record<string, unknown> {
  if (strategy !== 'MAXLEN' && strategy !== 'MINID') refuse(method, `strategy must be "MAXLEN" or "MINID", got ${typeOf(strategy)}`, 'ERR_INVALID_OPTION');
  if (modifier !== undefined && modifier !== '=' && modifier !== '~') refuse(method, `strategyModifier must be "=" or "~", got ${typeOf(modifier)}`, 'ERR_INVALID_OPTION');
  const out: Record<string, unknown> = strategy === 'MAXLEN' ? { maxLen: threshold } : { minId: typeof threshold === 'number' ? String(threshold) : threshold };
  if (modifier === '~') out.approximate = true;
  // LIMIT goes with "~" only; leanredis refuses it otherwise, as the server does.
  if (limit !== undefined) out.limit = limit;
  return out;
}

/** `{ key, id }` or a list of them, as leanredis's [key, id] pairs (in the caller's order). */
function offsets(method: string, streams: unknown): [unknown, unknown][] {
  const list = Array.isArray(streams) ? streams : [streams];
  if (list.length === 0) refuse(method, 'expected at least one { key, id }, got an empty array');
  return list.map((s: unknown) => {
    const o = checkKeys(method, s, ['key', 'id']);
    return [o.key, o.id];
  });
}

const xAdd: Build = (args) => {
  most('xAdd', args, 4);
  const [key, id, message, raw] = args;
  const out: Record<string, unknown> = { id };
  if (raw !== undefined) {
    const o = checkKeys('xAdd', raw, ['TRIM', 'NOMKSTREAM']);
    if (o.NOMKSTREAM !== undefined) {
      if (typeof o.NOMKSTREAM !== 'boolean') refuse('xAdd', `option "NOMKSTREAM" must be true or false, got ${typeOf(o.NOMKSTREAM)}`, 'ERR_INVALID_OPTION');
      if (o.NOMKSTREAM) out.noMkStream = true;
    }
    if (o.TRIM !== undefined) {
      const t = checkKeys('xAdd', o.TRIM, ['strategy', 'strategyModifier', 'threshold', 'limit']);
      out.trim = trim('xAdd', t.strategy, t.threshold, t.strategyModifier, t.limit);
    }
  }
  return ['xAdd', [key, message, out]];
};

const range =
  (method: string): Build =>
  (args) => {
    most(method, args, 4);
    const [key, start, end, raw] = args;
    if (raw === undefined) return [method, [key, start, end]];
    const o = checkKeys(method, raw, ['COUNT']);
    return [method, [key, start, end, { count: count(method, 'COUNT', o.COUNT) }]];
  };

const read =
  (method: 'xRead' | 'xReadGroup'): Build =>
  (args) => {
    const group = method === 'xReadGroup';
    most(method, args, group ? 4 : 2);
    const [streams, raw] = group ? args.slice(2) : args;
    const out: Record<string, unknown> = {};
    if (raw !== undefined) {
      const o = checkKeys(method, raw, group ? ['COUNT', 'BLOCK', 'NOACK'] : ['COUNT', 'BLOCK']);
      out.count = count(method, 'COUNT', o.COUNT);
      out.blockMs = count(method, 'BLOCK', o.BLOCK);
      if (o.NOACK !== undefined) {
        if (typeof o.NOACK !== 'boolean') refuse(method, `option "NOACK" must be true or false, got ${typeOf(o.NOACK)}`, 'ERR_INVALID_OPTION');
        if (o.NOACK) out.noAck = true;
      }
    }
    const pairs = offsets(method, streams);
    return [method, group ? [args[0], args[1], pairs, out] : [pairs, out]];
  };

const xGroupCreate: Build = (args) => {
  most('xGroupCreate', args, 4);
  const [key, group, id, raw] = args;
  if (raw === undefined) return ['xGroupCreate', [key, group, id]];
  const o = checkKeys('xGroupCreate', raw, ['MKSTREAM', 'ENTRIESREAD']);
  if (o.MKSTREAM !== undefined && typeof o.MKSTREAM !== 'boolean') refuse('xGroupCreate', `option "MKSTREAM" must be true or false, got ${typeOf(o.MKSTREAM)}`, 'ERR_INVALID_OPTION');
  return ['xGroupCreate', [key, group, id, { mkStream: o.MKSTREAM === true ? true : undefined, entriesRead: o.ENTRIESREAD }]];
};

const xTrim: Build = (args) => {
  most('xTrim', args, 4);
  const [key, strategy, threshold, raw] = args;
  const o = raw === undefined ? {} : checkKeys('xTrim', raw, ['strategyModifier', 'LIMIT']);
  return ['xTrim', [key, trim('xTrim', strategy, threshold, o.strategyModifier, o.LIMIT)]];
};

const upTo =
  (method: string, n: number): Build =>
  (args) => {
    most(method, args, n);
    return [method, args];
  };

/** The stream methods, merged into the adapter's command table. */
export const STREAM_COMMANDS = {
  xAdd: [xAdd],
  xLen: [upTo('xLen', 1)],
  xRange: [range('xRange'), entries],
  xRevRange: [range('xRevRange'), entries],
  xRead: [read('xRead'), streamsReply],
  xReadGroup: [read('xReadGroup'), streamsReply],
  xAck: [upTo('xAck', 3)],
  xDel: [upTo('xDel', 2)],
  xTrim: [xTrim],
  xGroupCreate: [xGroupCreate],
  xGroupDestroy: [upTo('xGroupDestroy', 2), Number],
} satisfies Record<string, [Build, Shape?]>;
