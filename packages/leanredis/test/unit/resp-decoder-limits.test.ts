/**
 * The decoder against a broken or hostile server: every limit at its boundary (the limit
 * passes, one more fails) however the bytes are split, hostile lengths that must not allocate,
 * invalid bytes of every kind, and the poisoned state after a failure.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { constants } from 'node:buffer';
import { DEFAULT_DECODER_LIMITS, Decoder, type DecoderLimits } from '../../src/resp/decoder.ts';
import { ProtocolError } from '../../src/errors.ts';
import { bytewise, decodeOutcome, recordingDecoder, splitAt, wire, type DecodeEvent, type DecodeOutcome } from '../helpers/resp-fixtures.ts';

type Options = Partial<DecoderLimits> & { returnBuffers?: boolean };

function assertProtocolError(error: unknown, context: string): void {
  assert.ok(error instanceof ProtocolError, `${context}: expected a ProtocolError, got ${String(error)}`);
  assert.equal(error.code, 'ERR_PROTOCOL', context);
  // "decoder failed: ..." wraps an exception the decoder did not raise itself: a bug.
  assert.ok(!error.message.startsWith('decoder failed'), `${context}: internal error: ${error.message}`);
}

/** Every way of feeding `bytes` this suite uses: whole, byte by byte, split in two anywhere. */
function splits(bytes: Buffer): { how: string; chunks: Buffer[] }[] {
  const out = [
    { how: 'whole', chunks: [bytes] },
    { how: 'byte by byte', chunks: bytewise(bytes) },
  ];
  for (let i = 1; i < bytes.length; i++) out.push({ how: `split at ${i}`, chunks: splitAt(bytes, [i]) });
  return out;
}

/** `bytes` decodes to `events` (and nothing is left over) however it is split. */
function accepts(bytes: Buffer | string, options: Options, events?: DecodeEvent[]): void {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  let first: DecodeOutcome | undefined;
  for (const { how, chunks } of splits(b)) {
    const o = decodeOutcome(chunks, options);
    const context = `${JSON.stringify(b.toString('latin1').slice(0, 80))} ${how}`;
    if (o.error !== undefined) assert.fail(`${context}: threw ${String(o.error)}`);
    assert.equal(o.hasPartial, false, context);
    if (events !== undefined) assert.deepStrictEqual(o.events, events, context);
    first ??= o;
    assert.deepStrictEqual(o.events, first.events, context);
  }
}

/** `bytes` makes the decoder throw a ProtocolError however it is split, after the same events. */
function rejects(bytes: Buffer | string, options: Options = {}): void {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  let first: DecodeOutcome | undefined;
  for (const { how, chunks } of splits(b)) {
    const o = decodeOutcome(chunks, options);
    const context = `${JSON.stringify(b.toString('latin1').slice(0, 80))} ${how}`;
    assertProtocolError(o.error, context);
    first ??= o;
    assert.deepStrictEqual(o.events, first.events, `${context}: events before the error`);
  }
}

/** global.gc without --expose-gc: the flag can be set at run time for new contexts. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function retainedBytes(gc: () => void): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const nested = (open: string, depth: number, inner: string): string => open.repeat(depth) + inner;

describe('maxBulkBytes', () => {
  const options = { maxBulkBytes: 10 };
  for (const type of ['$', '!', '=']) {
    test(`'${type}' of exactly maxBulkBytes passes, one byte more fails on its header`, () => {
      const body = type === '=' ? 'txt:abcdef' : type === '!' ? 'ERR abcdef' : 'abcdefghij';
      accepts(`${type}10\r\n${body}\r\n`, options);
      accepts(`*2\r\n${type}10\r\n${body}\r\n:1\r\n`, options);
      // The header alone is enough to fail: no body byte is awaited or kept.
      rejects(`${type}11\r\n`, options);
      rejects(`*2\r\n:1\r\n${type}11\r\n`, options);
    });
  }

  test('the default is 512 MiB: the header at the limit waits, one more fails', () => {
    // As Buffers: 512 MiB is a little longer than the longest string (see below).
    const { decoder } = recordingDecoder({ returnBuffers: true });
    decoder.write(Buffer.from(`$${DEFAULT_DECODER_LIMITS.maxBulkBytes}\r\nabc`));
    assert.equal(decoder.hasPartial, true);
    rejects(`$${DEFAULT_DECODER_LIMITS.maxBulkBytes + 1}\r\n`, { returnBuffers: true });
  });
});

describe('bulks longer than the longest JavaScript string', () => {
  const longest = constants.MAX_STRING_LENGTH;
  test('fail on their header unless they are decoded as Buffers', () => {
    for (const type of ['$', '=']) {
      const { decoder } = recordingDecoder();
      decoder.write(Buffer.from(`${type}${longest}\r\n`));
      assert.equal(decoder.hasPartial, true, `${type}: a string of the longest length may still fit`);
      rejects(`${type}${longest + 1}\r\n`);
      const buffers = recordingDecoder({ returnBuffers: true }).decoder;
      buffers.write(Buffer.from(`${type}${longest + 1}\r\n`));
      assert.equal(buffers.hasPartial, true, `${type}: a Buffer of that length is fine`);
    }
    // An error reply is always text.
    rejects(`!${longest + 1}\r\n`, { returnBuffers: true });
  });
});

describe('maxAggregateLength', () => {
  const options = { maxAggregateLength: 4 };
  for (const type of ['*', '~', '>']) {
    test(`'${type}' of exactly maxAggregateLength elements passes, one more fails`, () => {
      accepts(`${type}4\r\n:1\r\n:2\r\n:3\r\n:4\r\n`, options);
      rejects(`${type}5\r\n`, options);
      rejects(`*1\r\n${type}5\r\n`, options);
    });
  }
  for (const type of ['%', '|']) {
    test(`'${type}' pairs count twice: 2 pairs pass maxAggregateLength 4, 3 fail`, () => {
      const tail = type === '|' ? '+reply\r\n' : '';
      accepts(`${type}2\r\n:1\r\n:2\r\n:3\r\n:4\r\n${tail}`, options);
      rejects(`${type}3\r\n`, options);
      rejects(`*1\r\n${type}3\r\n`, options);
    });
  }

  test('the limit is per aggregate, not per reply', () => {
    accepts('*4\r\n*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n*0\r\n%2\r\n:1\r\n:2\r\n:3\r\n:4\r\n~1\r\n:1\r\n', options);
  });

  test('the default is 2^28-1 elements: a header at the limit is accepted, one more fails', () => {
    const { decoder } = recordingDecoder();
    decoder.write(Buffer.from('*268435455\r\n:1\r\n'));
    assert.equal(decoder.hasPartial, true);
    rejects('*268435456\r\n');
    rejects('%134217728\r\n');
    accepts('%0\r\n', {});
  });
});

describe('maxDepth', () => {
  const options = { maxDepth: 3 };
  const cases: [string, (depth: number) => string][] = [
    ['arrays', (d) => nested('*1\r\n', d, ':1\r\n')],
    ['sets', (d) => nested('~1\r\n', d, ':1\r\n')],
    ['maps', (d) => nested('%1\r\n+k\r\n', d, ':1\r\n')],
    ['pushes', (d) => nested('>1\r\n', d, ':1\r\n')],
    ['attributes', (d) => nested('|1\r\n+k\r\n', d, ':1\r\n') + ':2\r\n'.repeat(d - 1) + '+reply\r\n'],
    ['maps, arrays and attributes mixed', (d) => ['%1\r\n+k\r\n', '*1\r\n', '|1\r\n+a\r\n:1\r\n*1\r\n', '~1\r\n'].slice(0, d).join('') + ':1\r\n'],
    ['arrays ending in an empty array', (d) => nested('*1\r\n', d - 1, '*0\r\n')],
    ['arrays ending in an empty map', (d) => nested('*1\r\n', d - 1, '%0\r\n')],
  ];
  for (const [name, build] of cases) {
    test(`${name}: maxDepth levels pass, one more fails`, () => {
      accepts(build(3), options);
      rejects(build(4), options);
    });
  }

  test('a null array is a value, not a level', () => {
    accepts(nested('*1\r\n', 3, '*-1\r\n'), options, [{ kind: 'reply', value: [[[null]]] }]);
  });

  test('the default is 64 levels', () => {
    accepts(nested('*1\r\n', 64, ':1\r\n'), {});
    rejects(nested('*1\r\n', 65, ':1\r\n'));
    // A deep hostile nesting stops at level 65, whatever follows.
    const deep = Buffer.from(nested('*1\r\n', 100_000, ''));
    for (const chunks of [[deep], bytewise(deep)]) assertProtocolError(decodeOutcome(chunks).error, 'deep nesting');
  });
});

describe('maxLineBytes', () => {
  const options = { maxLineBytes: 16 };
  const lines: [string, string, string][] = [
    ['simple string', '+' + 'a'.repeat(16), '+' + 'a'.repeat(17)],
    ['simple error', '-ERR ' + 'a'.repeat(12), '-ERR ' + 'a'.repeat(13)],
    ['double', ',' + '1'.repeat(16), ',' + '1'.repeat(17)],
    ['big number', '(' + '1'.repeat(16), '(' + '1'.repeat(17)],
    ['integer', ':-' + '1'.repeat(15), ':-' + '1'.repeat(16)],
  ];
  for (const [name, ok, tooLong] of lines) {
    test(`${name} of exactly maxLineBytes passes, one byte more fails`, () => {
      accepts(`${ok}\r\n`, options);
      accepts(`*2\r\n${ok}\r\n${ok}\r\n`, options);
      rejects(`${tooLong}\r\n`, options);
      // Without its CRLF yet: the limit is known to be broken as soon as the byte arrives.
      rejects(tooLong, options);
    });
  }

  test('+OK obeys the limit and its CRLF is checked, though it is decoded without a scan', () => {
    accepts('+OK\r\n', { maxLineBytes: 2 });
    rejects('+OK\r\n', { maxLineBytes: 1 });
    rejects('+OK\rX', {});
  });

  test('length headers obey the limit too, whatever the split', () => {
    accepts('$10\r\n0123456789\r\n', { maxLineBytes: 2 });
    rejects('$100\r\n', { maxLineBytes: 2 });
    accepts('*10\r\n' + ':1\r\n'.repeat(10), { maxLineBytes: 2 });
    rejects('*100\r\n', { maxLineBytes: 2 });
  });

  test('a line that never ends, fed one byte at a time, fails right after the limit in linear time', () => {
    // 256 KiB one byte at a time: ~0.2 s when each byte is appended once; copying the partial
    // line again for every byte (quadratic, ~32 GB here) would run for minutes, so give up at 3 s.
    const limit = 256 * 1024;
    const { decoder } = recordingDecoder({ maxLineBytes: limit });
    const byte = Buffer.from('a');
    const started = performance.now();
    decoder.write(Buffer.from('+'));
    let fed = 0;
    let error: unknown;
    try {
      for (; fed < limit * 2; fed++) {
        decoder.write(byte);
        if ((fed & 4095) === 0 && performance.now() - started > 3000) assert.fail(`only ${fed} bytes fed after 3 s`);
      }
    } catch (e) {
      error = e;
    }
    assertProtocolError(error, 'never-ending line');
    assert.equal(fed, limit, 'the byte past the limit is the one that fails');
  });

  test('a line that never ends fails right after the default limit (64 KiB)', () => {
    const { decoder } = recordingDecoder();
    decoder.write(Buffer.from('+'));
    decoder.write(Buffer.alloc(DEFAULT_DECODER_LIMITS.maxLineBytes - 1, 'a'));
    decoder.write(Buffer.from('a'));
    assert.throws(() => decoder.write(Buffer.from('a')), ProtocolError);
  });

  test('a line that never ends, fed in 1000-byte chunks, fails once past the limit', () => {
    const { decoder } = recordingDecoder({ maxLineBytes: 100_000 });
    const chunk = Buffer.alloc(1000, 'x');
    decoder.write(Buffer.from('-ERR '));
    let fed = 0;
    assert.throws(() => {
      for (; fed < 1000; fed++) decoder.write(chunk);
    }, ProtocolError);
    assert.equal(fed, 99);
  });

  test('a header that never ends fails within 21 digits', () => {
    for (const type of '$*%~|>:!=') {
      const { decoder } = recordingDecoder();
      decoder.write(Buffer.from(type));
      let fed = 0;
      assert.throws(() => {
        for (; fed < 1000; fed++) decoder.write(Buffer.from('1'));
      }, ProtocolError);
      assert.equal(fed, 20, type);
    }
  });

  test('a CR never followed by LF fails as soon as the next byte arrives', () => {
    for (const start of ['+OK\r', '$3\r', ':1\r', '*1\r', '$3\r\nabc\r']) {
      const { decoder } = recordingDecoder();
      decoder.write(Buffer.from(start));
      assert.throws(() => decoder.write(Buffer.from('x')), ProtocolError, start);
    }
  });
});

describe('hostile lengths', () => {
  const hostile = [
    '*4294967296\r\n',
    '*268435456\r\n',
    '%134217728\r\n',
    '|134217728\r\n',
    '~4294967296\r\n',
    '>4294967296\r\n',
    '$4294967296\r\n',
    '!4294967296\r\n',
    '=4294967296\r\n',
    '*9007199254740993\r\n',
    '*9223372036854775807\r\n',
    '*18446744073709551616\r\n',
    '*99999999999999999999\r\n',
    '*999999999999999999999\r\n',
    '$99999999999999999999\r\n',
  ];
  for (const header of hostile) {
    test(`${JSON.stringify(header)} fails with a ProtocolError and allocates nothing large`, () => {
      const gc = exposeGc();
      const before = retainedBytes(gc);
      rejects(header);
      rejects(`*3\r\n:1\r\n${header}`);
      const grown = retainedBytes(gc) - before;
      assert.ok(grown < 8 * 1024 * 1024, `retained ${grown} bytes`);
    });
  }

  test('headers at the default limits wait for bytes without allocating for them', () => {
    const gc = exposeGc();
    const decoders: Decoder[] = [];
    const before = retainedBytes(gc);
    for (let i = 0; i < 10; i++) {
      const { decoder } = recordingDecoder({ returnBuffers: true });
      // 64 nested arrays of 2^28-1 elements each, a map of 2^27-1 pairs and a 512 MiB bulk.
      decoder.write(Buffer.from('*268435455\r\n'.repeat(63) + '%134217727\r\n$536870912\r\nabc'));
      assert.equal(decoder.hasPartial, true);
      decoders.push(decoder);
    }
    const grown = retainedBytes(gc) - before;
    assert.ok(grown < 8 * 1024 * 1024, `retained ${grown} bytes for 10 decoders`);
  });

  test('an array declared huge but fed slowly grows with what arrives', () => {
    const { decoder, events } = recordingDecoder();
    decoder.write(Buffer.from('*5000\r\n'));
    for (let i = 0; i < 5000; i++) decoder.write(Buffer.from(`:${i}\r\n`));
    assert.equal(events.length, 1);
    const value = (events[0] as { value: number[] }).value;
    assert.equal(value.length, 5000);
    assert.equal(value[4999], 4999);
  });
});

describe('invalid input', () => {
  const TYPES = new Set('+-:$*_#,(!=%~|>'.split('').map((c) => c.charCodeAt(0)));

  test('every byte that is not a RESP type byte fails, at the top level and inside an array', () => {
    for (let b = 0; b < 256; b++) {
      if (TYPES.has(b)) continue;
      const byte = Buffer.from([b]);
      rejects(wire(byte, 'OK\r\n'));
      rejects(wire('*2\r\n:1\r\n', byte, 'OK\r\n'));
      rejects(wire('%1\r\n', byte));
    }
  });

  const invalid: Record<string, string[]> = {
    'bad CRLF': [
      '+OK\rX\r\n', '+OK\r\r\n', '-ERR\rX', '$3\r\nabcXY', '$3\r\nabc\rX', '$3\r\nabc\nX', '$3\r\nabcd\r\n', '$0\r\nX\r\n',
      '$3\rX\nabc\r\n', '$3\n\nabc\r\n', ':12\rX', ':12\n', '*1\rX', '*1\n:1\r\n', '_\rX', '#t\rX', '=5\r\ntxt:ab\r\r\n',
    ],
    'non-digit or missing lengths': [
      '$\r\n', '*\r\n', '%\r\n', ':\r\n', ':-\r\n', '$-\r\n', '$abc\r\n', '$ 3\r\n', '$3 \r\n', '$+3\r\n', '$0x3\r\n',
      '$3.0\r\n', '$1e3\r\n', '*+1\r\n', '*1a\r\n', '~ 1\r\n', '>x\r\n', '|-\r\n',
    ],
    'negative lengths other than the RESP2 nulls': [
      '$-2\r\n', '$-10\r\n', '!-1\r\n', '=-1\r\n', '*-2\r\n', '~-1\r\n', '%-1\r\n', '|-1\r\n', '>-1\r\n',
    ],
    'bad integers': [':1a\r\n', ': 1\r\n', ':--1\r\n', ':+-1\r\n', ':-+1\r\n', ':++1\r\n', ':1.5\r\n', ':1e3\r\n', ':0x1\r\n'],
    'bad booleans': ['#x\r\n', '#\r\n', '#tt\r\n', '#true\r\n', '#T\r\n', '#0\r\n', '#1\r\n', '# t\r\n'],
    'bad doubles': [
      ',\r\n', ',abc\r\n', ', 1\r\n', ',1 \r\n', ',0x10\r\n', ',Infinity\r\n', ',infinity\r\n', ',1.2.3\r\n', ',.5\r\n',
      ',1.\r\n', ',1e\r\n', ',--1\r\n', ',1e+\r\n', ',nanx\r\n', ',+-1\r\n', ',1_000\r\n', ',0b1\r\n', ',inff\r\n',
    ],
    'bad big numbers': ['(\r\n', '(1.5\r\n', '(abc\r\n', '(+-1\r\n', '( 1\r\n', '(1e5\r\n', '(-\r\n', '(0x10\r\n', '(1 \r\n'],
    'bad nulls': ['_x\r\n', '_ \r\n', '_0\r\n'],
    'verbatim strings without a format prefix': ['=3\r\nabc\r\n', '=4\r\ntxtX\r\n', '=0\r\n\r\n', '=5\r\ntxt;a\r\n'],
    'unsupported streamed types (RESP3 "?" lengths, END, chunks)': [
      '$?\r\n;4\r\nHell\r\n;0\r\n', '*?\r\n:1\r\n.\r\n', '%?\r\n.\r\n', '~?\r\n', '.\r\n', ';4\r\n',
    ],
    'invalid elements nested in aggregates': ['*2\r\n:1\r\n#x\r\n', '%1\r\n+k\r\n,abc\r\n', '|1\r\n+a\r\n$-2\r\n', '>2\r\n+m\r\n(1.5\r\n'],
  };
  for (const [name, inputs] of Object.entries(invalid)) {
    test(`${name} fail with a ProtocolError however they are split`, () => {
      for (const input of inputs) rejects(input);
    });
  }

  test('replies before the invalid bytes are delivered, whatever the split', () => {
    const bytes = Buffer.from('+OK\r\n*2\r\n:1\r\n:2\r\n$3\r\nabc\r\n#x\r\n+never\r\n');
    for (const { how, chunks } of splits(bytes)) {
      const o = decodeOutcome(chunks);
      assertProtocolError(o.error, how);
      assert.deepStrictEqual(o.events, [
        { kind: 'reply', value: 'OK' },
        { kind: 'reply', value: [1, 2] },
        { kind: 'reply', value: 'abc' },
      ], how);
    }
  });
});

describe('poisoned decoder', () => {
  test('after a ProtocolError every write throws the same error until reset()', () => {
    const { decoder, events } = recordingDecoder();
    let first: unknown;
    try {
      decoder.write(Buffer.from('*2\r\n:1\r\n#x\r\n'));
    } catch (e) {
      first = e;
    }
    assertProtocolError(first, 'first write');
    assert.equal(decoder.hasPartial, false, 'a failed decoder holds no partial reply');
    for (const next of ['+OK\r\n', '', '$3\r\nabc\r\n', '#x\r\n']) {
      assert.throws(() => decoder.write(Buffer.from(next)), (e: unknown) => e === first, JSON.stringify(next));
    }
    assert.deepStrictEqual(events, []);
    decoder.reset();
    decoder.write(Buffer.from('+OK\r\n'));
    assert.deepStrictEqual(events, [{ kind: 'reply', value: 'OK' }]);
  });

  test('a failure in the middle of a split bulk poisons the decoder too', () => {
    const { decoder } = recordingDecoder();
    decoder.write(Buffer.from('$5\r\nab'));
    assert.throws(() => decoder.write(Buffer.from('cdeXX')), ProtocolError);
    assert.throws(() => decoder.write(Buffer.from('\r\n')), ProtocolError);
    assert.equal(decoder.hasPartial, false);
  });
});
