/**
 * The RESP decoder against the fixture table: every fixture decoded whole, byte by byte, split
 * in two at every offset, in three at a sample of offset pairs, and all fixtures concatenated
 * into one stream cut at random. Then the decoder's contract around the fixtures: hasPartial,
 * reset(), returnBuffers switching between replies, callbacks, and views of socket chunks.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decoder } from '../../src/resp/decoder.ts';
import { ProtocolError, ReplyError } from '../../src/errors.ts';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { waitFor } from '../helpers/wait.ts';
import {
  FIXTURES,
  bulk,
  bytewise,
  decodeChunks,
  prng,
  randomChunks,
  recordingDecoder,
  splitAt,
  wire,
  type DecodeEvent,
  type Fixture,
} from '../helpers/resp-fixtures.ts';

/** global.gc without --expose-gc: the flag can be set at run time for new contexts. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function options(f: Fixture): { returnBuffers: boolean } {
  return { returnBuffers: f.returnBuffers ?? false };
}

function check(f: Fixture, chunks: readonly Buffer[], how: string): void {
  let events: DecodeEvent[];
  try {
    events = decodeChunks(chunks, options(f));
  } catch (e) {
    throw new Error(`${f.name}: ${how}: ${(e as Error).message}`, { cause: e });
  }
  assert.deepStrictEqual(events, f.events, `${f.name}: ${how}`);
}

describe('decoder fixtures', () => {
  test('the fixture table covers every RESP2 and RESP3 type byte', () => {
    const seen = new Set<string>();
    for (const f of FIXTURES) for (const c of f.bytes.toString('latin1')) seen.add(c);
    for (const type of '+-:$*_#,(!=%~|>') assert.ok(seen.has(type), `no fixture uses type '${type}'`);
  });

  for (const f of FIXTURES) {
    describe(f.name, () => {
      test('decodes whole', () => check(f, [f.bytes], 'whole'));

      test('decodes byte by byte', () => check(f, bytewise(f.bytes), 'byte by byte'));

      test('decodes split in two at every offset', () => {
        for (let i = 0; i <= f.bytes.length; i++) check(f, splitAt(f.bytes, [i]), `split at ${i}`);
      });

      test('decodes split in three at a sample of offset pairs', () => {
        const n = f.bytes.length;
        const random = prng(n);
        // Every pair for short fixtures, 300 random pairs (plus the edges) for long ones.
        if (n <= 40) {
          for (let i = 0; i <= n; i++) for (let j = i; j <= n; j++) check(f, splitAt(f.bytes, [i, j]), `split at ${i},${j}`);
        } else {
          for (let k = 0; k < 300; k++) {
            const i = Math.floor(random() * (n + 1));
            const j = Math.floor(random() * (n + 1));
            check(f, splitAt(f.bytes, [i, j]), `split at ${i},${j}`);
          }
          check(f, splitAt(f.bytes, [1, n - 1]), 'split at 1,n-1');
        }
      });
    });
  }

  test('all fixtures concatenated into one stream decode the same for any random split', () => {
    // The decoder's returnBuffers is switched between replies, as the connection does when
    // the next command asked for Buffers: set it right after each fixture's last event.
    const stream = Buffer.concat(FIXTURES.map((f) => f.bytes));
    const expected = FIXTURES.flatMap((f) => f.events);
    const modeAfter: (boolean | undefined)[] = [];
    for (let k = 0; k < FIXTURES.length; k++) {
      for (let e = 0; e < FIXTURES[k].events.length; e++) modeAfter.push(undefined);
      modeAfter[modeAfter.length - 1] = FIXTURES[k + 1]?.returnBuffers ?? false;
    }
    for (let seed = 1; seed <= 200; seed++) {
      const random = prng(seed);
      let seen = 0;
      const { decoder, events } = recordingDecoder(options(FIXTURES[0]), (_event, d) => {
        const mode = modeAfter[seen++];
        if (mode !== undefined) d.returnBuffers = mode;
      });
      const maxChunk = [1, 3, 16, 64, 512, 4096][seed % 6];
      for (const c of randomChunks(stream, random, maxChunk)) decoder.write(c);
      assert.equal(decoder.hasPartial, false, `seed ${seed}`);
      assert.deepStrictEqual(events, expected, `seed ${seed} (chunks up to ${maxChunk} bytes)`);
    }
  });
});

describe('decoder contract', () => {
  test('hasPartial is true for a stashed header, an unfinished bulk and an open aggregate', () => {
    const { decoder, events } = recordingDecoder();
    assert.equal(decoder.hasPartial, false);
    decoder.write(Buffer.from('$1'));
    assert.equal(decoder.hasPartial, true, 'header without CRLF');
    decoder.write(Buffer.from('1\r\nhel'));
    assert.equal(decoder.hasPartial, true, 'bulk body missing bytes');
    decoder.write(Buffer.from('lo worl'));
    assert.equal(decoder.hasPartial, true);
    decoder.write(Buffer.from('d\r'));
    assert.equal(decoder.hasPartial, true, 'bulk missing its LF');
    decoder.write(Buffer.from('\n*2\r\n:1\r\n'));
    assert.equal(decoder.hasPartial, true, 'array missing an element');
    decoder.write(Buffer.from(':2\r\n'));
    assert.equal(decoder.hasPartial, false);
    assert.deepStrictEqual(events, [
      { kind: 'reply', value: 'hello world' },
      { kind: 'reply', value: [1, 2] },
    ]);
  });

  test('reset() drops a partial reply and the decoder continues with the next one', () => {
    for (const partial of ['*3\r\n:1\r\n', '$10\r\nabc', '+OK', '%1\r\n+k\r\n', '|1\r\n+a\r\n', '>2\r\n+message\r\n', '$5\r']) {
      const { decoder, events } = recordingDecoder();
      decoder.write(Buffer.from(partial));
      assert.equal(decoder.hasPartial, true, partial);
      decoder.reset();
      assert.equal(decoder.hasPartial, false, partial);
      decoder.write(Buffer.from('*2\r\n:1\r\n$1\r\nx\r\n'));
      assert.deepStrictEqual(events, [{ kind: 'reply', value: [1, 'x'] }], partial);
    }
  });

  test('reset() called from a callback drops the rest of the chunk being written', () => {
    // The connection resets its decoder when it closes from inside onReply: later bytes of the
    // same chunk belong to nobody and must not reach the callbacks.
    const values: unknown[] = [];
    const decoder: Decoder = new Decoder(
      (v) => {
        values.push(v);
        if (v === 'close') decoder.reset();
      },
      () => assert.fail('push after reset'),
    );
    decoder.write(Buffer.from('+a\r\n+close\r\n+b\r\n>1\r\n+x\r\n'));
    assert.deepStrictEqual(values, ['a', 'close']);
    assert.equal(decoder.hasPartial, false);
    decoder.write(Buffer.from('$1\r\n'));
    decoder.write(Buffer.from('c\r\n'));
    assert.deepStrictEqual(values, ['a', 'close', 'c']);
  });

  test('reset() releases the items of a partial reply', async () => {
    const gc = exposeGc();
    let registry: FinalizationRegistry<string> | undefined;
    const collected = new Promise<void>((resolve) => {
      registry = new FinalizationRegistry(() => resolve());
    });
    const decoder = new Decoder(() => {}, () => {}, { returnBuffers: true });
    (() => {
      // A 1 MiB bulk inside an unfinished array: the array's items hold the only reference.
      const chunk = wire('*2\r\n', bulk(Buffer.alloc(1024 * 1024, 1)));
      decoder.write(chunk); // the bulk is decoded as a view of the chunk
      registry!.register(chunk.buffer, 'chunk');
    })();
    decoder.reset();
    let isCollected = false;
    void collected.then(() => (isCollected = true));
    await waitFor(
      () => {
        gc();
        return isCollected;
      },
      // Generous: the finalizer runs as a task after a GC, and a land at load 14 saw 2 s pass without it.
      { timeoutMs: 10_000, intervalMs: 10, message: 'the partial reply to be collected after reset() (it was still referenced)' },
    );
  });

  test('returnBuffers switched inside onReply applies to the next reply of the same chunk', () => {
    const values: unknown[] = [];
    const decoder: Decoder = new Decoder(
      (v) => {
        values.push(v);
        decoder.returnBuffers = !decoder.returnBuffers;
      },
      () => assert.fail('no push expected'),
    );
    decoder.write(Buffer.from('$1\r\na\r\n$1\r\nb\r\n*1\r\n$1\r\nc\r\n=5\r\ntxt:d\r\n'));
    assert.deepStrictEqual(values, ['a', Buffer.from('b'), ['c'], Buffer.from('d')]);
  });

  test('an error thrown by onReply poisons the decoder with a ProtocolError carrying the cause', () => {
    const boom = new Error('handler bug');
    const decoder = new Decoder(
      () => {
        throw boom;
      },
      () => {},
    );
    assert.throws(() => decoder.write(Buffer.from('+OK\r\n+OK\r\n')), (e: unknown) => {
      assert.ok(e instanceof ProtocolError);
      assert.equal(e.code, 'ERR_PROTOCOL');
      assert.equal((e as Error).cause, boom);
      return true;
    });
    assert.throws(() => decoder.write(Buffer.from('+OK\r\n')), ProtocolError);
  });

  test('a ReplyError reply carries the server prefix as its code', () => {
    const events = decodeChunks([Buffer.from('-WRONGTYPE Operation\r\n!9\r\nNOAUTH no\r\n-lower case\r\n')]);
    const codes = events.map((e) => (e.kind === 'reply' && e.value instanceof ReplyError ? e.value.code : '?'));
    assert.deepStrictEqual(codes, ['WRONGTYPE', 'NOAUTH', 'ERR']);
  });

  test('a large bulk is returned as a view of the chunk it arrived in (zero copy)', () => {
    const body = Buffer.alloc(100_000, 7);
    const chunk = bulk(body);
    const [event] = decodeChunks([chunk], { returnBuffers: true });
    const value = (event as { value: Buffer }).value;
    assert.deepStrictEqual(value, body);
    assert.equal(value.buffer, chunk.buffer, 'expected a view, not a copy');
  });

  test('a large bulk split over many chunks is joined once into one Buffer', () => {
    const body = Buffer.alloc(300_000);
    for (let i = 0; i < body.length; i++) body[i] = i % 251;
    const events = decodeChunks(randomChunks(bulk(body), prng(9), 70_000), { returnBuffers: true });
    assert.deepStrictEqual(events, [{ kind: 'reply', value: body }]);
  });

  test('a small bulk never pins the large chunk it arrived in', () => {
    // A 1 MiB chunk whose last reply is a 16-byte bulk: a view would keep the whole MiB alive.
    const big = Buffer.alloc(1024 * 1024, 97);
    const chunk = wire(bulk(big), '$16\r\nabcdefghijklmnop\r\n');
    const events = decodeChunks([chunk], { returnBuffers: true });
    const small = (events[1] as { value: Buffer }).value;
    assert.deepStrictEqual(small, Buffer.from('abcdefghijklmnop'));
    assert.ok(small.buffer.byteLength <= 8192, `16-byte reply holds a ${small.buffer.byteLength}-byte ArrayBuffer`);
    // Same for a small reply in the chunk that finishes a large bulk.
    const tail = wire(Buffer.alloc(50_000, 98), '\r\n$16\r\nabcdefghijklmnop\r\n');
    const { decoder, events: ev2 } = recordingDecoder({ returnBuffers: true });
    decoder.write(Buffer.from('$50000\r\n'));
    decoder.write(tail);
    const second = (ev2[1] as { value: Buffer }).value;
    assert.deepStrictEqual(second, Buffer.from('abcdefghijklmnop'));
    assert.ok(second.buffer.byteLength <= 8192, `16-byte reply holds a ${second.buffer.byteLength}-byte ArrayBuffer`);
  });

  test('a header split from its bulk body does not copy the rest of the chunk', () => {
    // The old decoder joined the stashed header with the whole next chunk, copying it.
    const body = Buffer.alloc(200_000, 5);
    const { decoder, events } = recordingDecoder({ returnBuffers: true });
    decoder.write(Buffer.from('*2\r\n$200'));
    const rest = wire('000\r\n', body, '\r\n:1\r\n');
    decoder.write(rest);
    assert.equal(events.length, 1);
    const value = (events[0] as { value: unknown[] }).value;
    assert.deepStrictEqual(value, [body, 1]);
    assert.equal((value[0] as Buffer).buffer, rest.buffer, 'expected a view of the chunk');
  });

  test('onAttribute may be left unset: attributes are then skipped', () => {
    const values: unknown[] = [];
    const decoder = new Decoder((v) => values.push(v), () => {});
    decoder.write(Buffer.from('|1\r\n+a\r\n:1\r\n*2\r\n|0\r\n:1\r\n:2\r\n'));
    assert.deepStrictEqual(values, [[1, 2]]);
  });
});
