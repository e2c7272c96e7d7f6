/**
 * The RESP command encoder: framing of every argument type, batches, the shared slab and its
 * rollover, zero-copy large Buffers, argument validation, and that nothing it emits can be read
 * by the server as an inline command.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Encoder, encodeName, measureArgs, sharedEncoder, type Arg } from '../../src/resp/encoder.ts';
import { ArgumentError } from '../../src/errors.ts';
import { decodeChunks } from '../helpers/resp-fixtures.ts';
import { referenceCommand } from '../helpers/resp-fuzz.ts';

function encode(name: string[], args: Arg[], encoder = new Encoder()): Buffer[] {
  measureArgs(name.join(' '), args);
  encoder.write(encodeName(name), name.length, args);
  return encoder.take();
}

function encodeBytes(name: string[], args: Arg[]): string {
  return Buffer.concat(encode(name, args)).toString('latin1');
}

describe('argument framing', () => {
  test('a command is an array of bulk strings', () => {
    assert.equal(encodeBytes(['GET'], ['key']), '*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n');
    assert.equal(encodeBytes(['PING'], []), '*1\r\n$4\r\nPING\r\n');
    assert.equal(encodeBytes(['CLIENT', 'SETNAME'], ['app']), '*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$3\r\napp\r\n');
  });

  test('strings: empty, ASCII, unicode (length in UTF-8 bytes), around the 48-char fast path', () => {
    assert.equal(encodeBytes(['SET'], ['']), '*2\r\n$3\r\nSET\r\n$0\r\n\r\n');
    const cases = ['a', 'é', '日本語', '🎉', 'a'.repeat(47), 'a'.repeat(48), 'é'.repeat(47), 'x'.repeat(47) + 'é', '\ud800', 'mixed ascii 日本 🎉 text'.repeat(5)];
    for (const s of cases) {
      const bytes = Buffer.from(s);
      const expected = Buffer.concat([Buffer.from(`*2\r\n$3\r\nSET\r\n$${bytes.length}\r\n`), bytes, Buffer.from('\r\n')]);
      assert.deepStrictEqual(Buffer.concat(encode(['SET'], [s])), expected, JSON.stringify(s.slice(0, 20)));
    }
  });

  test('short strings whose non-ASCII char comes last, and mixed ones across slab boundaries, stay byte-exact', () => {
    // The short-string path writes ASCII chars as it goes and hands a string to the UTF-8 path
    // at its first non-ASCII char: what it wrote must be overwritten, in the same slab or a new one.
    const encoder = new Encoder();
    const commands: [string[], Arg[]][] = [];
    const tails = ['', 'é', '日', '🎉', '\ud800', '\x7f', '\x80'];
    for (let i = 0; i < 4000; i++) {
      const head = 'k'.repeat(i % 47);
      commands.push([['SET'], [head + tails[i % tails.length], `${i}${tails[(i * 3) % tails.length]}`, 'v'.repeat(i % 61)]]);
    }
    for (const [name, args] of commands) encoder.write(encodeName(name), name.length, args);
    const chunks = encoder.take();
    assert.ok(chunks.length > 1, 'expected the batch to roll over to a new slab');
    assert.deepStrictEqual(Buffer.concat(chunks), Buffer.concat(commands.map(([n, a]) => referenceCommand(n, a))));
  });

  test('Buffers are framed byte for byte, including CR, LF and every byte value', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (const b of [Buffer.alloc(0), Buffer.from('\r\n'), all]) {
      assert.deepStrictEqual(Buffer.concat(encode(['SET'], [b])), referenceCommand(['SET'], [b]));
    }
  });

  test('numbers: integers, negatives, floats, exponents, -0; the encoder writes ±Infinity as +inf/-inf', () => {
    const cases: [number, string][] = [
      [0, '0'], [42, '42'], [-7, '-7'], [1.5, '1.5'], [-0.25, '-0.25'], [-0, '0'], [1e21, '1e+21'], [5e-324, '5e-324'],
      [Number.MAX_SAFE_INTEGER, '9007199254740991'], [0.1 + 0.2, '0.30000000000000004'],
    ];
    for (const [n, text] of cases) {
      assert.equal(encodeBytes(['ZADD'], [n]), `*2\r\n$4\r\nZADD\r\n$${text.length}\r\n${text}\r\n`, String(n));
    }
    // measureArgs refuses them (a value would be stored as the text "+inf"); below it, the
    // encoder still writes what the server reads.
    for (const [n, text] of [[Infinity, '+inf'], [-Infinity, '-inf']] as const) {
      const encoder = new Encoder();
      encoder.write(encodeName(['ZADD']), 1, [n]);
      assert.equal(Buffer.concat(encoder.take()).toString('latin1'), `*2\r\n$4\r\nZADD\r\n$4\r\n${text}\r\n`);
    }
  });

  test('bigints are sent in decimal', () => {
    for (const n of [0n, -1n, 2n ** 64n, -(2n ** 63n), 123456789012345678901234567890n]) {
      const text = n.toString();
      assert.equal(encodeBytes(['INCRBY'], [n]), `*2\r\n$6\r\nINCRBY\r\n$${text.length}\r\n${text}\r\n`);
    }
  });

  test('headers with 1, 2, 3 and more digits', () => {
    for (const n of [9, 10, 99, 100, 999, 1000, 65536, 100_000]) {
      const s = 'x'.repeat(n);
      assert.ok(encodeBytes(['SET'], [s]).startsWith(`*2\r\n$3\r\nSET\r\n$${n}\r\n`), String(n));
    }
    const many = Array.from({ length: 150 }, (_, i) => String(i));
    assert.ok(encodeBytes(['MSET'], many).startsWith('*151\r\n$4\r\nMSET\r\n$1\r\n0\r\n'));
  });
});

describe('no inline commands', () => {
  test('an argument holding CRLF and a command is one bulk string', () => {
    const injected = '\r\nSET x y\r\n';
    const bytes = encodeBytes(['GET'], [injected]);
    assert.equal(bytes, `*2\r\n$3\r\nGET\r\n$${injected.length}\r\n${injected}\r\n`);
    // And the server's reading of it (a RESP parser) is one command with that argument.
    assert.deepStrictEqual(decodeChunks([Buffer.from(bytes, 'latin1')]), [{ kind: 'reply', value: ['GET', injected] }]);
  });

  test('a command name token holding CRLF is framed too', () => {
    assert.equal(encodeName(['GET\r\nFLUSHALL']).toString(), '$13\r\nGET\r\nFLUSHALL\r\n');
  });

  test('every encoding starts with an array header, whatever the arguments', () => {
    for (const args of [[], [''], ['PING'], [Buffer.from('SET a b\r\n')], [-1], [0n]] as Arg[][]) {
      const bytes = Buffer.concat(encode(['X'], args));
      assert.equal(bytes[0], 0x2a /* '*' */);
    }
  });
});

describe('batches and the slab', () => {
  test('take() returns nothing when nothing was written, and after a batch was taken', () => {
    const encoder = new Encoder();
    assert.deepStrictEqual(encoder.take(), []);
    encoder.write(encodeName(['PING']), 1, []);
    assert.equal(Buffer.concat(encoder.take()).toString(), '*1\r\n$4\r\nPING\r\n');
    assert.deepStrictEqual(encoder.take(), []);
  });

  test('many commands in one batch come out in order as one chunk', () => {
    const encoder = new Encoder();
    const commands: [string[], Arg[]][] = [[['SET'], ['a', '1']], [['GET'], ['a']], [['INCRBY'], ['n', 5]], [['PING'], []]];
    for (const [name, args] of commands) encoder.write(encodeName(name), name.length, args);
    const chunks = encoder.take();
    assert.equal(chunks.length, 1);
    assert.deepStrictEqual(chunks[0], Buffer.concat(commands.map(([n, a]) => referenceCommand(n, a))));
  });

  test('a batch larger than the 64 KiB slab spans slabs and stays byte-exact', () => {
    const encoder = new Encoder();
    const commands: [string[], Arg[]][] = [];
    for (let i = 0; i < 3000; i++) commands.push([['SET'], [`key:${i}`, 'v'.repeat(i % 97), i]]);
    for (const [name, args] of commands) encoder.write(encodeName(name), name.length, args);
    const chunks = encoder.take();
    assert.ok(chunks.length > 1, 'expected the batch to roll over to a new slab');
    assert.deepStrictEqual(Buffer.concat(chunks), Buffer.concat(commands.map(([n, a]) => referenceCommand(n, a))));
  });

  test('bytes handed out are never overwritten by later batches', () => {
    // The socket may still hold views of earlier batches while the encoder writes new ones.
    const encoder = new Encoder();
    const taken: { chunks: Buffer[]; copy: Buffer }[] = [];
    for (let batch = 0; batch < 200; batch++) {
      for (let i = 0; i < 5; i++) encoder.write(encodeName(['SET']), 1, [`b${batch}:${i}`, 'x'.repeat((batch * 131 + i * 17) % 3000)]);
      const chunks = encoder.take();
      taken.push({ chunks, copy: Buffer.concat(chunks) });
    }
    for (const [i, t] of taken.entries()) assert.deepStrictEqual(Buffer.concat(t.chunks), t.copy, `batch ${i} changed`);
  });

  test('a command exactly filling the rest of the slab, and one larger than a slab', () => {
    const encoder = new Encoder();
    for (const size of [65536 - 40, 65536 - 17, 65536 - 16, 65536, 65537, 200_000]) {
      const arg = 'y'.repeat(size);
      encoder.write(encodeName(['SET']), 1, ['k', arg]);
      encoder.write(encodeName(['GET']), 1, ['k']);
      assert.deepStrictEqual(Buffer.concat(encoder.take()), Buffer.concat([referenceCommand(['SET'], ['k', arg]), referenceCommand(['GET'], ['k'])]), String(size));
    }
  });

  test('a Buffer argument of 16 KiB or more is sent as its own chunk, without a copy', () => {
    const encoder = new Encoder();
    const large = Buffer.alloc(16 * 1024, 1);
    const small = Buffer.alloc(16 * 1024 - 1, 2);
    encoder.write(encodeName(['SET']), 1, ['a', large]);
    encoder.write(encodeName(['SET']), 1, ['b', small]);
    const chunks = encoder.take();
    assert.ok(chunks.includes(large), 'the large Buffer itself is one of the chunks');
    assert.ok(!chunks.includes(small), 'a Buffer under 16 KiB is copied into the slab');
    assert.deepStrictEqual(Buffer.concat(chunks), Buffer.concat([referenceCommand(['SET'], ['a', large]), referenceCommand(['SET'], ['b', small])]));
  });

  test('a string larger than the slab is encoded once as its own chunk', () => {
    const encoder = new Encoder();
    const s = '日本'.repeat(40_000); // 240,000 UTF-8 bytes
    encoder.write(encodeName(['SET']), 1, ['k', s, 'tail']);
    const chunks = encoder.take();
    assert.ok(chunks.some((c) => c.length === Buffer.byteLength(s)), 'the string body is a chunk of its own');
    assert.deepStrictEqual(Buffer.concat(chunks), referenceCommand(['SET'], ['k', s, 'tail']));
  });

  test('sharedEncoder is an Encoder usable by every connection', () => {
    assert.ok(sharedEncoder instanceof Encoder);
    assert.deepStrictEqual(sharedEncoder.take(), []);
    sharedEncoder.write(encodeName(['PING']), 1, []);
    assert.equal(Buffer.concat(sharedEncoder.take()).toString(), '*1\r\n$4\r\nPING\r\n');
  });
});

describe('measureArgs', () => {
  test('accepts strings, Buffers, finite numbers and bigints, and estimates their size', () => {
    const bytes = measureArgs('SET', ['key', Buffer.alloc(100), 1.5, -0, 10n]);
    assert.ok(bytes >= 3 + 100, String(bytes));
    assert.equal(measureArgs('PING', []), 0);
  });

  test('rejects null, undefined, objects, booleans, symbols, functions, typed arrays, NaN and ±Infinity, naming the command', () => {
    // ±Infinity too: set(k, Infinity) would store the text "+inf"; scores write "+inf" themselves.
    const bad: unknown[] = [null, undefined, {}, [], true, Symbol('s'), () => 1, new Uint8Array(2), NaN, Infinity, -Infinity, new Date(0), { toString: () => 'x' }];
    for (const value of bad) {
      assert.throws(
        () => measureArgs('HSET', ['secret-key', 'secret-value', value]),
        (e: unknown) => {
          assert.ok(e instanceof ArgumentError, String(value));
          assert.equal(e.code, 'ERR_INVALID_ARGUMENT');
          assert.equal(e.command, 'HSET');
          assert.match(e.message, /HSET/);
          assert.match(e.message, /argument 3/);
          assert.doesNotMatch(e.message, /secret/, 'the message must not contain other arguments');
          return true;
        },
        String(value),
      );
    }
  });

  test('the error never includes the bad value itself', () => {
    assert.throws(
      () => measureArgs('AUTH', [{ password: 'hunter2', toString: () => 'hunter2' }]),
      (e: unknown) => e instanceof ArgumentError && !e.message.includes('hunter2'),
    );
  });
});
