/**
 * Large bulks spanning many chunks go through the shared join slab: Buffer replies handed out
 * earlier must never be overwritten by later replies (Buffer or string), on one decoder or
 * several, and no view may keep more than twice its size alive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decoder } from '../../src/resp/decoder.ts';

function bulk(body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`$${body.length}\r\n`), body, Buffer.from('\r\n')]);
}

function feed(decoder: Decoder, bytes: Buffer, chunk = 16 * 1024): void {
  for (let i = 0; i < bytes.length; i += chunk) decoder.write(bytes.subarray(i, i + chunk));
}

test('Buffer replies joined from many chunks stay intact while later replies reuse the slab', () => {
  const got: unknown[] = [];
  const buffers = new Decoder((v) => got.push(v), () => {}, { returnBuffers: true });
  const strings = new Decoder((v) => got.push(v), () => {});
  const bodies = [200_000, 150_000, 120_000, 300_000, 70_000].map((n, i) => Buffer.alloc(n, 65 + i));
  const expected: unknown[] = [];
  for (const [i, body] of bodies.entries()) {
    // Alternate decoders and reply kinds so both share the process-wide slab.
    if (i % 2 === 0) {
      feed(buffers, bulk(body));
      expected.push(body);
    } else {
      feed(strings, bulk(body));
      expected.push(body.toString());
    }
  }
  for (let round = 0; round < 3; round++) {
    const body = Buffer.alloc(180_000, 97 + round);
    feed(strings, bulk(body));
    expected.push(body.toString());
  }
  assert.equal(got.length, expected.length);
  for (let i = 0; i < got.length; i++) {
    const v = got[i];
    if (Buffer.isBuffer(expected[i])) {
      assert.ok(Buffer.isBuffer(v));
      assert.ok((v as Buffer).equals(expected[i] as Buffer), `reply ${i} was overwritten`);
      // A view keeps at most twice its size alive.
      assert.ok((v as Buffer).buffer.byteLength <= 2 * ((v as Buffer).length + 2), `reply ${i} pins ${(v as Buffer).buffer.byteLength} bytes`);
    } else {
      assert.equal(v, expected[i]);
    }
  }
});

test('a verbatim string in Buffer mode is a view that stays intact too', () => {
  const got: unknown[] = [];
  const d = new Decoder((v) => got.push(v), () => {}, { returnBuffers: true });
  const text = Buffer.alloc(100_000, 120);
  const body = Buffer.concat([Buffer.from('txt:'), text]);
  feed(d, Buffer.concat([Buffer.from(`=${body.length}\r\n`), body, Buffer.from('\r\n')]));
  feed(d, bulk(Buffer.alloc(100_000, 121)));
  assert.ok((got[0] as Buffer).equals(text));
  assert.ok((got[1] as Buffer).equals(Buffer.alloc(100_000, 121)));
});
