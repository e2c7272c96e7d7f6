/**
 * RESP2/RESP3 decoder fixtures: wire bytes and the events the decoder must produce from them,
 * in order. Every fixture is decoded whole, byte by byte and split at every offset by
 * test/unit/resp-decoder.test.ts, so a fixture only states *what* the bytes mean.
 *
 * Also: `decodeAll()` (feed chunks, collect events), splitting helpers and a seeded PRNG shared
 * by the decoder's unit, limit and fuzz tests.
 */
import { Decoder } from '../../src/resp/decoder.ts';
import { PushMessage } from '../../src/resp/types.ts';
import { ReplyError } from '../../src/errors.ts';

/** What the decoder reported, in order: a reply, a push frame's items, or an attribute map. */
export type DecodeEvent =
  | { readonly kind: 'reply'; readonly value: unknown }
  | { readonly kind: 'push'; readonly items: unknown[] }
  | { readonly kind: 'attribute'; readonly map: Map<unknown, unknown> };

export interface Fixture {
  readonly name: string;
  readonly bytes: Buffer;
  readonly events: readonly DecodeEvent[];
  /** Decode with `returnBuffers` (bulk and verbatim strings become Buffers). @default false */
  readonly returnBuffers?: boolean;
}

export const reply = (value: unknown): DecodeEvent => ({ kind: 'reply', value });
export const push = (...items: unknown[]): DecodeEvent => ({ kind: 'push', items });
export const attribute = (...pairs: [unknown, unknown][]): DecodeEvent => ({ kind: 'attribute', map: new Map(pairs) });
export const err = (line: string): ReplyError => new ReplyError(line);

/** Wire bytes from parts: strings are UTF-8, Buffers are taken as they are. */
export function wire(...parts: (string | Buffer)[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
}

/** A bulk string frame (`$`, or `!`/`=` with `type`) whose length is the UTF-8 size of `body`. */
export function bulk(body: string | Buffer, type = '$'): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return wire(`${type}${bytes.length}\r\n`, bytes, '\r\n');
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const UNICODE = 'héllo wörld, 日本語, emoji 🎉👩‍👩‍👧, Ω≈ç√';
const CRLF_BODY = 'line one\r\nline two\r\n\r\n*1\r\n$3\r\nfoo\r\n';

export const FIXTURES: readonly Fixture[] = [
  // ---- RESP2 simple types ------------------------------------------------------------------
  { name: 'simple string', bytes: wire('+OK\r\n'), events: [reply('OK')] },
  { name: 'simple strings near the +OK fast path', bytes: wire('+OKAY\r\n+OK\r\n+O\r\n+OK \r\n+ok\r\n'), events: [reply('OKAY'), reply('OK'), reply('O'), reply('OK '), reply('ok')] },
  { name: 'empty simple string', bytes: wire('+\r\n'), events: [reply('')] },
  { name: 'simple string with UTF-8 text', bytes: wire(`+${UNICODE}\r\n`), events: [reply(UNICODE)] },
  { name: 'simple string with a lone LF is content (CRLF ends a line)', bytes: wire('+a\nb\r\n'), events: [reply('a\nb')] },
  { name: 'simple error', bytes: wire('-ERR unknown command\r\n'), events: [reply(err('ERR unknown command'))] },
  { name: 'simple error with a typed prefix', bytes: wire('-WRONGTYPE Operation against a key\r\n'), events: [reply(err('WRONGTYPE Operation against a key'))] },
  { name: 'simple error without a message', bytes: wire('-NOSCRIPT\r\n'), events: [reply(err('NOSCRIPT'))] },
  { name: 'integer zero', bytes: wire(':0\r\n'), events: [reply(0)] },
  { name: 'positive integer', bytes: wire(':1000\r\n'), events: [reply(1000)] },
  { name: 'negative integer', bytes: wire(':-42\r\n'), events: [reply(-42)] },
  { name: 'integer with a plus sign', bytes: wire(':+7\r\n'), events: [reply(7)] },
  { name: 'negative zero integer is zero', bytes: wire(':-0\r\n'), events: [reply(0)] },
  { name: 'largest safe integer', bytes: wire(':9007199254740991\r\n:-9007199254740991\r\n'), events: [reply(9007199254740991), reply(-9007199254740991)] },
  {
    // Integers beyond 2^53 are returned as the nearest double (documented: use big numbers or strings for exact values).
    name: '64-bit integers beyond 2^53',
    bytes: wire(':9223372036854775807\r\n:-9223372036854775808\r\n:9007199254740993\r\n'),
    events: [reply(9223372036854775807), reply(-9223372036854775808), reply(9007199254740992)],
  },
  { name: 'bulk string', bytes: wire('$5\r\nhello\r\n'), events: [reply('hello')] },
  { name: 'empty bulk string', bytes: wire('$0\r\n\r\n'), events: [reply('')] },
  { name: 'null bulk string', bytes: wire('$-1\r\n'), events: [reply(null)] },
  { name: 'bulk length with leading zeros', bytes: wire('$0003\r\nabc\r\n'), events: [reply('abc')] },
  { name: 'bulk string with UTF-8 multi-byte text', bytes: bulk(UNICODE), events: [reply(UNICODE)] },
  { name: 'bulk string with CRLF and RESP inside its body', bytes: bulk(CRLF_BODY), events: [reply(CRLF_BODY)] },
  { name: 'binary bulk string as a Buffer', bytes: bulk(ALL_BYTES), events: [reply(ALL_BYTES)], returnBuffers: true },
  { name: 'empty bulk string as a Buffer', bytes: wire('$0\r\n\r\n$-1\r\n'), events: [reply(Buffer.alloc(0)), reply(null)], returnBuffers: true },
  { name: 'bulk of CRLF bytes as a Buffer', bytes: wire('$4\r\n\r\n\r\n\r\n'), events: [reply(Buffer.from('\r\n\r\n'))], returnBuffers: true },
  { name: 'simple strings stay strings under returnBuffers', bytes: wire('+OK\r\n:1\r\n'), events: [reply('OK'), reply(1)], returnBuffers: true },

  // ---- RESP2 arrays --------------------------------------------------------------------------
  { name: 'empty array', bytes: wire('*0\r\n'), events: [reply([])] },
  { name: 'null array', bytes: wire('*-1\r\n'), events: [reply(null)] },
  { name: 'array of integers', bytes: wire('*3\r\n:1\r\n:2\r\n:3\r\n'), events: [reply([1, 2, 3])] },
  {
    name: 'array of every RESP2 type with nested errors as values',
    bytes: wire('*6\r\n+OK\r\n-ERR bad\r\n:-1\r\n$-1\r\n$3\r\nfoo\r\n*-1\r\n'),
    events: [reply(['OK', err('ERR bad'), -1, null, 'foo', null])],
  },
  {
    name: 'nested arrays with empty and null members',
    bytes: wire('*4\r\n*0\r\n*-1\r\n*2\r\n*1\r\n:1\r\n*0\r\n$0\r\n\r\n'),
    events: [reply([[], null, [[1], []], ''])],
  },
  {
    name: 'ten levels of nested arrays',
    bytes: wire('*1\r\n'.repeat(10), ':7\r\n'),
    events: [reply([[[[[[[[[[7]]]]]]]]]])],
  },
  {
    name: 'array of binary bulks as Buffers',
    bytes: wire('*3\r\n', bulk(ALL_BYTES.subarray(0, 128)), bulk(ALL_BYTES.subarray(128)), '$-1\r\n'),
    events: [reply([ALL_BYTES.subarray(0, 128), ALL_BYTES.subarray(128), null])],
    returnBuffers: true,
  },
  {
    name: 'several replies back to back',
    bytes: wire('+OK\r\n:1\r\n$3\r\nbar\r\n*0\r\n$-1\r\n-ERR x\r\n'),
    events: [reply('OK'), reply(1), reply('bar'), reply([]), reply(null), reply(err('ERR x'))],
  },

  // ---- RESP3 simple types --------------------------------------------------------------------
  { name: 'null', bytes: wire('_\r\n'), events: [reply(null)] },
  { name: 'booleans', bytes: wire('#t\r\n#f\r\n'), events: [reply(true), reply(false)] },
  {
    name: 'doubles',
    bytes: wire(',1.23\r\n,10\r\n,-0.5\r\n,+2.5\r\n,1e+20\r\n,1.5E-3\r\n,-1e10\r\n,0\r\n,-0\r\n,1.7976931348623157e308\r\n,5e-324\r\n'),
    events: [reply(1.23), reply(10), reply(-0.5), reply(2.5), reply(1e20), reply(0.0015), reply(-1e10), reply(0), reply(-0), reply(1.7976931348623157e308), reply(5e-324)],
  },
  { name: 'double infinities', bytes: wire(',inf\r\n,-inf\r\n'), events: [reply(Infinity), reply(-Infinity)] },
  {
    // RESP3: Redis before 7.2 may send any libc spelling of NaN ("-nan", "NAN", "nan(...)").
    name: 'double NaN spellings',
    bytes: wire(',nan\r\n,-nan\r\n,NAN\r\n,NaN\r\n,nan(0x8000)\r\n'),
    events: [reply(NaN), reply(NaN), reply(NaN), reply(NaN), reply(NaN)],
  },
  {
    name: 'big numbers',
    bytes: wire('(3492890328409238509324850943850943825024385\r\n(-3492890328409238509324850943850943825024385\r\n(0\r\n(9007199254740993\r\n'),
    events: [reply(3492890328409238509324850943850943825024385n), reply(-3492890328409238509324850943850943825024385n), reply(0n), reply(9007199254740993n)],
  },
  { name: 'bulk error', bytes: wire('!21\r\nSYNTAX invalid syntax\r\n'), events: [reply(err('SYNTAX invalid syntax'))] },
  { name: 'bulk error with CRLF in its body', bytes: bulk('ERR line one\r\nline two', '!'), events: [reply(err('ERR line one\r\nline two'))] },
  { name: 'bulk error stays an error under returnBuffers', bytes: wire('!5\r\nERR x\r\n'), events: [reply(err('ERR x'))], returnBuffers: true },
  { name: 'verbatim string', bytes: wire('=15\r\ntxt:Some string\r\n'), events: [reply('Some string')] },
  { name: 'empty verbatim string', bytes: wire('=4\r\ntxt:\r\n'), events: [reply('')] },
  { name: 'markdown verbatim string with CRLF and UTF-8', bytes: bulk(`mkd:# Title\r\n${UNICODE}\r\n`, '='), events: [reply(`# Title\r\n${UNICODE}\r\n`)] },
  { name: 'verbatim string as a Buffer', bytes: wire('=9\r\ntxt:hello\r\n'), events: [reply(Buffer.from('hello'))], returnBuffers: true },

  // ---- RESP3 aggregates ------------------------------------------------------------------------
  {
    name: 'map',
    bytes: wire('%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n'),
    events: [reply(new Map<unknown, unknown>([['first', 1], ['second', 2]]))],
  },
  { name: 'empty map', bytes: wire('%0\r\n'), events: [reply(new Map())] },
  {
    name: 'map of maps, arrays and sets with aggregate keys',
    bytes: wire('%3\r\n$1\r\na\r\n%1\r\n+b\r\n~2\r\n:1\r\n:2\r\n*2\r\n:1\r\n:2\r\n#t\r\n_\r\n*0\r\n'),
    events: [reply(new Map<unknown, unknown>([['a', new Map([['b', [1, 2]]])], [[1, 2], true], [null, []]]))],
  },
  {
    name: 'HELLO-like map reply',
    bytes: wire('%4\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:12\r\n$7\r\nmodules\r\n*0\r\n'),
    events: [reply(new Map<unknown, unknown>([['server', 'redis'], ['proto', 3], ['id', 12], ['modules', []]]))],
  },
  {
    name: 'map with Buffer keys under returnBuffers',
    bytes: wire('%1\r\n$3\r\nkey\r\n$5\r\nvalue\r\n'),
    events: [reply(new Map([[Buffer.from('key'), Buffer.from('value')]]))],
    returnBuffers: true,
  },
  { name: 'set', bytes: wire('~5\r\n+orange\r\n+apple\r\n#t\r\n:100\r\n:999\r\n'), events: [reply(['orange', 'apple', true, 100, 999])] },
  { name: 'empty set', bytes: wire('~0\r\n'), events: [reply([])] },
  {
    name: 'array of every RESP3 type',
    bytes: wire('*8\r\n_\r\n#f\r\n,3.5\r\n(12345678901234567890\r\n!7\r\nERR bad\r\n=7\r\ntxt:abc\r\n%0\r\n~1\r\n_\r\n'),
    events: [reply([null, false, 3.5, 12345678901234567890n, err('ERR bad'), 'abc', new Map(), [null]])],
  },
  {
    name: 'nested arrays from the RESP3 spec',
    bytes: wire('*2\r\n*3\r\n:1\r\n$5\r\nhello\r\n:2\r\n#f\r\n'),
    events: [reply([[1, 'hello', 2], false])],
  },

  // ---- attributes ------------------------------------------------------------------------------
  {
    name: 'attribute before a reply (RESP3 spec example)',
    bytes: wire('|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n'),
    events: [
      attribute(['key-popularity', new Map([['a', 0.1923], ['b', 0.0012]])]),
      reply([2039123, 9543892]),
    ],
  },
  {
    name: 'attribute inside an array is not an element',
    bytes: wire('*3\r\n:1\r\n:2\r\n|1\r\n+ttl\r\n:3600\r\n:3\r\n'),
    events: [attribute(['ttl', 3600]), reply([1, 2, 3])],
  },
  {
    name: 'attribute as the first element of an array and inside a map value',
    bytes: wire('*2\r\n|1\r\n+a\r\n:1\r\n%1\r\n+k\r\n|1\r\n+b\r\n:2\r\n+v\r\n:9\r\n'),
    events: [attribute(['a', 1]), attribute(['b', 2]), reply([new Map([['k', 'v']]), 9])],
  },
  { name: 'empty attribute', bytes: wire('|0\r\n:1\r\n'), events: [attribute(), reply(1)] },
  {
    name: 'attribute containing an attribute',
    bytes: wire('|1\r\n+outer\r\n|1\r\n+inner\r\n:1\r\n:2\r\n+reply\r\n'),
    events: [attribute(['inner', 1]), attribute(['outer', 2]), reply('reply')],
  },

  // ---- pushes --------------------------------------------------------------------------------
  {
    name: 'push before a reply',
    bytes: wire('>3\r\n+message\r\n+somechannel\r\n+this is the message\r\n$9\r\nGet-Reply\r\n'),
    events: [push('message', 'somechannel', 'this is the message'), reply('Get-Reply')],
  },
  {
    name: 'push after a reply',
    bytes: wire('$9\r\nGet-Reply\r\n>3\r\n+message\r\n+somechannel\r\n+this is the message\r\n'),
    events: [reply('Get-Reply'), push('message', 'somechannel', 'this is the message')],
  },
  {
    name: 'pushes interleaved between replies',
    bytes: wire(
      '>3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n',
      '+OK\r\n',
      '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n',
      '>4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$0\r\n\r\n',
      '*2\r\n:1\r\n:2\r\n',
      '>2\r\n$10\r\ninvalidate\r\n*2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n',
      '>2\r\n$10\r\ninvalidate\r\n_\r\n',
      ':5\r\n',
    ),
    events: [
      push('subscribe', 'ch', 1),
      reply('OK'),
      push('message', 'ch', 'hello'),
      push('pmessage', 'c*', 'ch', ''),
      reply([1, 2]),
      push('invalidate', ['foo', 'bar']),
      push('invalidate', null),
      reply(5),
    ],
  },
  {
    name: 'push with Buffers under returnBuffers',
    bytes: wire('>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n', bulk(ALL_BYTES), '+OK\r\n'),
    events: [push(Buffer.from('message'), Buffer.from('ch'), ALL_BYTES), reply('OK')],
    returnBuffers: true,
  },
  { name: 'empty push', bytes: wire('>0\r\n:1\r\n'), events: [push(), reply(1)] },
  {
    name: 'attribute before a push and before a reply',
    bytes: wire('|1\r\n+a\r\n:1\r\n>2\r\n+message\r\n+x\r\n|1\r\n+b\r\n:2\r\n+OK\r\n'),
    events: [attribute(['a', 1]), push('message', 'x'), attribute(['b', 2]), reply('OK')],
  },
  {
    // The spec keeps pushes at the top level; one nested anyway is just an array element.
    name: 'push frame nested in an aggregate is an array value',
    bytes: wire('*2\r\n>1\r\n+x\r\n>0\r\n'),
    events: [reply([['x'], []])],
  },
];

// ---- decoding helpers -------------------------------------------------------------------------

/** A decoder that records every event; `returnBuffers` may be switched between fixtures by `onEvent`. */
export function recordingDecoder(
  options: ConstructorParameters<typeof Decoder>[2] = {},
  onEvent?: (event: DecodeEvent, decoder: Decoder) => void,
): { decoder: Decoder; events: DecodeEvent[] } {
  const events: DecodeEvent[] = [];
  const decoder: Decoder = new Decoder(
    (value) => {
      const e: DecodeEvent = { kind: 'reply', value };
      events.push(e);
      onEvent?.(e, decoder);
    },
    (message) => {
      if (!(message instanceof PushMessage)) throw new Error('onPush got something other than a PushMessage');
      const e: DecodeEvent = { kind: 'push', items: message.items };
      events.push(e);
      onEvent?.(e, decoder);
    },
    options,
  );
  decoder.onAttribute = (map) => {
    const e: DecodeEvent = { kind: 'attribute', map };
    events.push(e);
    onEvent?.(e, decoder);
  };
  return { decoder, events };
}

/** Feeds `chunks` to a fresh decoder and returns what it reported. */
export function decodeChunks(chunks: readonly Buffer[], options: ConstructorParameters<typeof Decoder>[2] = {}): DecodeEvent[] {
  const { decoder, events } = recordingDecoder(options);
  for (const c of chunks) decoder.write(c);
  if (decoder.hasPartial) throw new Error('decoder still holds a partial reply after the last chunk');
  return events;
}

/** Splits `bytes` at the given offsets (sorted, duplicates give empty chunks). */
export function splitAt(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let last = 0;
  for (const o of [...offsets].sort((a, b) => a - b)) {
    out.push(bytes.subarray(last, o));
    last = o;
  }
  out.push(bytes.subarray(last));
  return out;
}

/** Every byte as its own chunk. */
export function bytewise(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(bytes.subarray(i, i + 1));
  return out;
}

/** Random chunks of 1..maxChunk bytes (and now and then an empty one). */
export function randomChunks(bytes: Buffer, random: () => number, maxChunk: number): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (random() < 0.02) out.push(bytes.subarray(pos, pos));
    const n = 1 + Math.floor(random() * maxChunk);
    out.push(bytes.subarray(pos, pos + n));
    pos += n;
  }
  return out;
}

/** Deterministic PRNG (mulberry32): failures print their seed and replay exactly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What feeding some chunks to a fresh decoder led to: the events, then maybe an error. */
export interface DecodeOutcome {
  readonly events: DecodeEvent[];
  /** The first error write() threw; later chunks are not fed. */
  readonly error: unknown;
  readonly hasPartial: boolean;
}

/** Feeds `chunks` to a fresh decoder, stopping at the first error, and reports what happened. */
export function decodeOutcome(chunks: readonly Buffer[], options: ConstructorParameters<typeof Decoder>[2] = {}): DecodeOutcome {
  const { decoder, events } = recordingDecoder(options);
  for (const c of chunks) {
    try {
      decoder.write(c);
    } catch (error) {
      return { events, error, hasPartial: decoder.hasPartial };
    }
  }
  return { events, error: undefined, hasPartial: decoder.hasPartial };
}
