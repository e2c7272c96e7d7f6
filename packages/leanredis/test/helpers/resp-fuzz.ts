/**
 * Property-based fuzzing of the RESP decoder (fast-check), shared by
 * test/unit/resp-decoder-fuzz.test.ts and any soak script:
 *
 *   node --import tsx -e "import('./packages/leanredis/test/helpers/resp-fuzz.ts').then((m) => m.fuzzDecoder(1_000_000))"
 *
 * - `respNodeArb`: random RESP2/RESP3 values as typed trees; `serialize()` is an independent
 *   reference serializer and `expectedEvents()` says what the decoder must report for them.
 * - `fuzzValues(n)`: n random values, serialized, cut at random, decode to what was expected.
 * - `fuzzRoundTrip(n)`: n batches of random commands through the Encoder and back.
 * - `fuzzDecoder(n)`: n mutated inputs (bit flips, truncation, insertion, deletion, duplicated
 *   headers, hostile lengths) under random limits, decoded whole and cut at random: the decoder
 *   returns values or throws ProtocolError, never anything else, the same way however the input
 *   is cut, and the heap stays bounded.
 *
 * Set RESP_FUZZ_SEED to replay a failure (fast-check prints the seed and the shrunk input).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtocolError, ReplyError } from '../../src/errors.ts';
import type { DecoderLimits } from '../../src/resp/decoder.ts';
import { Encoder, encodeName, measureArgs, type Arg } from '../../src/resp/encoder.ts';
import { FIXTURES, decodeOutcome, splitAt, type DecodeEvent } from './resp-fixtures.ts';

// ---- random RESP values ------------------------------------------------------------------------

export type RespNode =
  | { readonly t: 'simple'; readonly text: string }
  | { readonly t: 'error'; readonly text: string }
  | { readonly t: 'integer'; readonly n: bigint }
  | { readonly t: 'bulk'; readonly body: Buffer }
  | { readonly t: 'nullBulk' }
  | { readonly t: 'nullArray' }
  | { readonly t: 'null' }
  | { readonly t: 'boolean'; readonly value: boolean }
  | { readonly t: 'double'; readonly value: number }
  | { readonly t: 'bigNumber'; readonly n: bigint }
  | { readonly t: 'bulkError'; readonly body: Buffer }
  | { readonly t: 'verbatim'; readonly format: string; readonly body: Buffer }
  | { readonly t: 'array' | 'set'; readonly items: readonly RespNode[] }
  | { readonly t: 'map'; readonly pairs: readonly (readonly [RespNode, RespNode])[] }
  | { readonly t: 'attribute'; readonly pairs: readonly (readonly [RespNode, RespNode])[]; readonly value: RespNode }
  | { readonly t: 'push'; readonly items: readonly RespNode[] };

const lineText = fc.string({ unit: 'binary', maxLength: 24 }).map((s) => s.replace(/[\r\n]/g, ' '));
const errorText = fc
  .tuple(fc.constantFrom('ERR', 'WRONGTYPE', 'MOVED 3999 127.0.0.1:6381', 'NOSCRIPT', 'lower', ''), lineText)
  .map(([prefix, text]) => (prefix === '' ? text : `${prefix} ${text}`));
const body = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => Buffer.from(s)) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)) },
  { weight: 2, arbitrary: fc.constantFrom('\r\n', '$3\r\nfoo\r\n', '*1\r\n:1\r\n', '\r', '\n', '').map((s) => Buffer.from(s)) },
  // Now and then a body big enough to span many chunks and to be returned as a view.
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1000, max: 70_000 }), fc.nat(255)).map(([n, b]) => Buffer.alloc(n, b)) },
);
const int64 = fc.oneof(
  fc.integer().map(BigInt),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(0n, -1n, 2n ** 53n - 1n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n),
);

const scalarArb: fc.Arbitrary<RespNode> = fc.oneof(
  lineText.map((text) => ({ t: 'simple' as const, text })),
  errorText.map((text) => ({ t: 'error' as const, text })),
  int64.map((n) => ({ t: 'integer' as const, n })),
  { weight: 3, arbitrary: body.map((b) => ({ t: 'bulk' as const, body: b })) },
  fc.constantFrom<RespNode>({ t: 'nullBulk' }, { t: 'nullArray' }, { t: 'null' }),
  fc.boolean().map((value) => ({ t: 'boolean' as const, value })),
  fc.double().map((value) => ({ t: 'double' as const, value })),
  fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }).map((n) => ({ t: 'bigNumber' as const, n })),
  errorText.map((text) => ({ t: 'bulkError' as const, body: Buffer.from(text) })),
  fc.tuple(fc.constantFrom('txt', 'mkd'), body).map(([format, b]) => ({ t: 'verbatim' as const, format, body: b })),
);

/** A random RESP value (no push: pushes are only valid at the top level, see `topLevelArb`). */
export const respNodeArb: fc.Arbitrary<RespNode> = fc.letrec<{ node: RespNode }>((tie) => {
  const pairs = fc.array(fc.tuple(tie('node'), tie('node')), { maxLength: 4 });
  return {
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 6, arbitrary: scalarArb },
      fc.array(tie('node'), { maxLength: 5 }).map((items) => ({ t: 'array' as const, items })),
      fc.array(tie('node'), { maxLength: 5 }).map((items) => ({ t: 'set' as const, items })),
      pairs.map((p) => ({ t: 'map' as const, pairs: p })),
      fc.tuple(pairs, tie('node')).map(([p, value]) => ({ t: 'attribute' as const, pairs: p, value })),
    ),
  };
}).node;

/** A top-level frame: a reply, or (one in five) a push. */
export const topLevelArb: fc.Arbitrary<RespNode> = fc.oneof(
  { weight: 4, arbitrary: respNodeArb },
  fc.tuple(fc.constantFrom('message', 'invalidate', 'subscribe'), fc.array(respNodeArb, { maxLength: 4 })).map(([kind, items]) => ({
    t: 'push' as const,
    items: [{ t: 'bulk' as const, body: Buffer.from(kind) }, ...items],
  })),
);

function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v); // "1e+21", "5e-324", "-1.5": all in the RESP3 double grammar
}

function frame(type: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${type}${payload.length}\r\n`), payload, Buffer.from('\r\n')]);
}

/** Reference serializer, written from the RESP3 spec independently of the decoder. */
export function serialize(node: RespNode): Buffer {
  switch (node.t) {
    case 'simple':
      return Buffer.from(`+${node.text}\r\n`);
    case 'error':
      return Buffer.from(`-${node.text}\r\n`);
    case 'integer':
      return Buffer.from(`:${node.n}\r\n`);
    case 'bulk':
      return frame('$', node.body);
    case 'nullBulk':
      return Buffer.from('$-1\r\n');
    case 'nullArray':
      return Buffer.from('*-1\r\n');
    case 'null':
      return Buffer.from('_\r\n');
    case 'boolean':
      return Buffer.from(node.value ? '#t\r\n' : '#f\r\n');
    case 'double':
      return Buffer.from(`,${formatDouble(node.value)}\r\n`);
    case 'bigNumber':
      return Buffer.from(`(${node.n}\r\n`);
    case 'bulkError':
      return frame('!', node.body);
    case 'verbatim':
      return frame('=', Buffer.concat([Buffer.from(`${node.format}:`), node.body]));
    case 'array':
    case 'set':
    case 'push':
      return Buffer.concat([Buffer.from(`${node.t === 'array' ? '*' : node.t === 'set' ? '~' : '>'}${node.items.length}\r\n`), ...node.items.map(serialize)]);
    case 'map':
      return Buffer.concat([Buffer.from(`%${node.pairs.length}\r\n`), ...node.pairs.flatMap(([k, v]) => [serialize(k), serialize(v)])]);
    case 'attribute':
      return Buffer.concat([
        Buffer.from(`|${node.pairs.length}\r\n`),
        ...node.pairs.flatMap(([k, v]) => [serialize(k), serialize(v)]),
        serialize(node.value),
      ]);
  }
}

/** The decoded value of `node`; attribute events are appended to `events` in decode order. */
function expectedValue(node: RespNode, returnBuffers: boolean, events: DecodeEvent[]): unknown {
  const text = (b: Buffer): unknown => (returnBuffers ? Buffer.from(b) : b.toString('utf8'));
  const toMap = (pairs: readonly (readonly [RespNode, RespNode])[]): Map<unknown, unknown> => {
    const map = new Map<unknown, unknown>();
    for (const [k, v] of pairs) {
      const key = expectedValue(k, returnBuffers, events);
      map.set(key, expectedValue(v, returnBuffers, events));
    }
    return map;
  };
  switch (node.t) {
    case 'simple':
      return Buffer.from(node.text).toString('utf8');
    case 'error':
      return new ReplyError(Buffer.from(node.text).toString('utf8'));
    case 'integer':
      return Number(node.n);
    case 'bulk':
      return text(node.body);
    case 'nullBulk':
    case 'nullArray':
    case 'null':
      return null;
    case 'boolean':
      return node.value;
    case 'double':
      return Number.isNaN(node.value) ? NaN : Number(formatDouble(node.value).replace('inf', 'Infinity'));
    case 'bigNumber':
      return node.n;
    case 'bulkError':
      return new ReplyError(node.body.toString('utf8'));
    case 'verbatim':
      return text(node.body);
    case 'array':
    case 'set':
    case 'push':
      return node.items.map((item) => expectedValue(item, returnBuffers, events));
    case 'map':
      return toMap(node.pairs);
    case 'attribute': {
      events.push({ kind: 'attribute', map: toMap(node.pairs) });
      return expectedValue(node.value, returnBuffers, events);
    }
  }
}

/** What the decoder must report for these top-level frames, in order. */
export function expectedEvents(nodes: readonly RespNode[], returnBuffers: boolean): DecodeEvent[] {
  const events: DecodeEvent[] = [];
  for (const node of nodes) {
    const value = expectedValue(node, returnBuffers, events);
    if (node.t === 'push') events.push({ kind: 'push', items: value as unknown[] });
    else events.push({ kind: 'reply', value });
  }
  return events;
}

const offsetsArb = fc.array(fc.nat(), { maxLength: 12 });

/** Cuts `bytes` at `offsets` taken modulo its length + 1. */
export function cut(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  return splitAt(
    bytes,
    offsets.map((o) => o % (bytes.length + 1)),
  );
}

function fcParameters(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.RESP_FUZZ_SEED;
  return seed === undefined ? { numRuns } : { numRuns, seed: Number(seed) };
}

/** `iterations` random value lists, serialized and cut at random, decode to what was serialized. */
export function fuzzValues(iterations: number): void {
  fc.assert(
    fc.property(fc.array(topLevelArb, { minLength: 1, maxLength: 4 }), fc.boolean(), offsetsArb, (nodes, returnBuffers, offsets) => {
      const bytes = Buffer.concat(nodes.map(serialize));
      const expected = expectedEvents(nodes, returnBuffers);
      for (const chunks of [[bytes], cut(bytes, offsets)]) {
        const o = decodeOutcome(chunks, { returnBuffers });
        if (o.error !== undefined) throw o.error;
        assert.equal(o.hasPartial, false);
        assert.deepStrictEqual(o.events, expected);
      }
    }),
    fcParameters(iterations),
  );
}

// ---- mutated inputs ----------------------------------------------------------------------------

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Buffer }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'duplicateLine'; readonly at: number }
  | { readonly kind: 'number'; readonly at: number; readonly digits: string };

const LF = 10;
const RESP_BYTES = '\r\n$*%~|>:+-_#,(!=.?;0123456789';
const insertBytes = fc.oneof(
  fc.array(fc.constantFrom(...RESP_BYTES), { minLength: 1, maxLength: 6 }).map((a) => Buffer.from(a.join(''), 'latin1')),
  fc.uint8Array({ minLength: 1, maxLength: 6 }).map((a) => Buffer.from(a)),
  fc.constantFrom('*1\r\n', '%1\r\n', '|1\r\n+a\r\n:1\r\n', '>1\r\n', '$-1\r\n', '*-1\r\n', '_\r\n', '\r\n').map((s) => Buffer.from(s)),
);
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: insertBytes }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('duplicateLine' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('number' as const),
    at: fc.nat(),
    digits: fc.constantFrom('-1', '-2', '0', '1', '3', '65', '1024', '1025', '268435456', '4294967296', '9007199254740993', '99999999999999999999', '1e3', ''),
  }),
);

function mutate(input: Buffer, m: Mutation): Buffer {
  const at = m.at % (input.length + 1);
  switch (m.kind) {
    case 'flip': {
      if (input.length === 0) return input;
      const out = Buffer.from(input);
      out[at % input.length] ^= 1 << m.bit;
      return out;
    }
    case 'truncate':
      return input.subarray(0, at);
    case 'insert':
      return Buffer.concat([input.subarray(0, at), m.bytes, input.subarray(at)]);
    case 'delete':
      return Buffer.concat([input.subarray(0, at), input.subarray(at + m.length)]);
    case 'duplicateLine': {
      // Repeat the line (a header, usually) that starts after `at`: a stream with an extra frame header.
      const previousLf = at === 0 ? -1 : input.indexOf(LF, at - 1);
      if (at !== 0 && previousLf < 0) return input;
      const start = previousLf + 1;
      const end = input.indexOf(LF, start);
      if (end < 0) return input;
      return Buffer.concat([input.subarray(0, end + 1), input.subarray(start, end + 1), input.subarray(end + 1)]);
    }
    case 'number': {
      // Replace the next run of digits (a length, usually) with a hostile or off-by-one value.
      let i = at;
      while (i < input.length && (input[i] < 48 || input[i] > 57)) i++;
      if (i >= input.length) return input;
      let j = i;
      while (j < input.length && input[j] >= 48 && input[j] <= 57) j++;
      if (i > 0 && input[i - 1] === 45) i--; // take the sign too
      return Buffer.concat([input.subarray(0, i), Buffer.from(m.digits), input.subarray(j)]);
    }
  }
}

const baseInputArb = fc.oneof(
  fc.constantFrom(...FIXTURES.map((f) => f.bytes)),
  fc.array(topLevelArb, { minLength: 1, maxLength: 3 }).map((nodes) => Buffer.concat(nodes.map(serialize))),
);

const limitsArb: fc.Arbitrary<Partial<DecoderLimits> & { returnBuffers: boolean }> = fc.record({
  returnBuffers: fc.boolean(),
  maxBulkBytes: fc.option(fc.integer({ min: 0, max: 64 }), { nil: undefined, freq: 2 }),
  maxAggregateLength: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined, freq: 2 }),
  maxDepth: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined, freq: 2 }),
  maxLineBytes: fc.option(fc.integer({ min: 0, max: 24 }), { nil: undefined, freq: 2 }),
});

function assertOnlyProtocolErrors(error: unknown, context: string): void {
  if (error === undefined) return;
  if (!(error instanceof ProtocolError)) throw new Error(`${context}: the decoder threw ${String(error)}, not a ProtocolError`, { cause: error });
  // "decoder failed: ..." is the wrapper around an exception the decoder did not raise itself.
  if (error.message.startsWith('decoder failed')) throw new Error(`${context}: internal error: ${error.message}`, { cause: error });
}

/**
 * Checks one input: whole and cut, only ProtocolErrors, and the same outcome either way.
 * Returns whether the input was accepted (no error).
 */
export function checkMutatedInput(input: Buffer, options: Partial<DecoderLimits> & { returnBuffers: boolean }, offsets: readonly number[]): boolean {
  const whole = decodeOutcome([input], options);
  assertOnlyProtocolErrors(whole.error, 'whole');
  const chunked = decodeOutcome(cut(input, offsets), options);
  assertOnlyProtocolErrors(chunked.error, 'cut');
  assert.equal(chunked.error === undefined, whole.error === undefined, `whole ${String(whole.error)} vs cut ${String(chunked.error)}`);
  assert.deepStrictEqual(chunked.events, whole.events);
  if (whole.error === undefined) assert.equal(chunked.hasPartial, whole.hasPartial);
  return whole.error === undefined;
}

/**
 * Runs `iterations` mutated, randomly cut inputs through the decoder (see the file comment).
 * Fails if the heap grows by more than `maxHeapGrowthBytes` while running.
 * @returns how many inputs decoded cleanly and how many failed with a ProtocolError.
 */
export function fuzzDecoder(iterations: number, maxHeapGrowthBytes = 256 * 1024 * 1024): { clean: number; rejected: number } {
  const heapAtStart = process.memoryUsage().heapUsed;
  let clean = 0;
  let rejected = 0;
  let runs = 0;
  // Capturing a stack for each of the many ProtocolErrors is most of the run time; the
  // property does not look at stacks, and a failure is replayed from its seed anyway.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    fc.assert(
      fc.property(baseInputArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), limitsArb, offsetsArb, (base, mutations, options, offsets) => {
        let input = base;
        for (const m of mutations) input = mutate(input, m);
        if (checkMutatedInput(input, options, offsets)) clean++;
        else rejected++;
        if ((++runs & 1023) === 0) {
          const grown = process.memoryUsage().heapUsed - heapAtStart;
          if (grown > maxHeapGrowthBytes) throw new Error(`heap grew by ${grown} bytes after ${runs} inputs`);
        }
      }),
      fcParameters(iterations),
    );
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  return { clean, rejected };
}

// ---- encoder round trip ------------------------------------------------------------------------

const argArb: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)) },
  // Around ZERO_COPY_BYTES (16 KiB, sent as their own chunk) and past the 64 KiB slab.
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 16 * 1024 - 2, max: 70_000 }), fc.nat(255)).map(([n, b]) => Buffer.alloc(n, b)) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 20_000, max: 70_000 }), fc.constantFrom('x', 'é', '日', '🎉')).map(([n, c]) => c.repeat(n / c.length)) },
  // Finite only: measureArgs refuses ±Infinity (a value would be stored as the text "+inf").
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1e21, 5e-324)) },
  { weight: 1, arbitrary: fc.bigInt() },
);
const commandArb = fc.record({
  name: fc.constantFrom(['GET'], ['SET'], ['CLIENT', 'SETNAME'], ['ZADD'], ['XADD']),
  args: fc.array(argArb, { maxLength: 8 }),
});

/** What the server must read for an argument: RESP3 doubles spell infinities "+inf"/"-inf". */
function argBytes(a: Arg): Buffer {
  if (Buffer.isBuffer(a)) return a;
  if (typeof a === 'number') return Buffer.from(a === Infinity ? '+inf' : a === -Infinity ? '-inf' : String(a));
  return Buffer.from(String(a));
}

/** Reference command encoding: an array of bulk strings, never inline. */
export function referenceCommand(name: readonly string[], args: readonly Arg[]): Buffer {
  const parts = [...name.map((t) => Buffer.from(t)), ...args.map(argBytes)];
  return Buffer.concat([Buffer.from(`*${parts.length}\r\n`), ...parts.flatMap((p) => [Buffer.from(`$${p.length}\r\n`), p, Buffer.from('\r\n')])]);
}

/**
 * `iterations` random batches of commands encoded by one long-lived Encoder (so its slab fills
 * and rolls over), checked byte for byte against `referenceCommand`, then decoded as RESP
 * arrays of bulk strings (with returnBuffers, cut at random) back to the argument bytes.
 */
export function fuzzRoundTrip(iterations: number, encoder = new Encoder()): void {
  fc.assert(
    fc.property(fc.array(commandArb, { minLength: 1, maxLength: 5 }), offsetsArb, (commands, offsets) => {
      for (const c of commands) {
        measureArgs(c.name.join(' '), c.args);
        encoder.write(encodeName(c.name), c.name.length, c.args);
      }
      const chunks = encoder.take();
      assert.deepStrictEqual(encoder.take(), [], 'a second take() is empty');
      const bytes = Buffer.concat(chunks);
      assert.ok(bytes.equals(Buffer.concat(commands.map((c) => referenceCommand(c.name, c.args)))), 'encoding differs from the reference');
      const expected = commands.map((c) => ({ kind: 'reply', value: [...c.name.map((t) => Buffer.from(t)), ...c.args.map((a) => Buffer.from(argBytes(a)))] }));
      for (const feed of [chunks, cut(bytes, offsets)]) {
        const o = decodeOutcome(feed, { returnBuffers: true });
        if (o.error !== undefined) throw o.error;
        assert.deepStrictEqual(o.events, expected);
      }
    }),
    fcParameters(iterations),
  );
}
