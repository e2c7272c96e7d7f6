import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { ArgumentError, ReplyError } from '../../src/index.ts';

const redis = useRedisServer();

function isArgumentError(method: string, code: 'ERR_INVALID_ARGUMENT' | 'ERR_INVALID_OPTION' = 'ERR_INVALID_ARGUMENT'): (err: unknown) => boolean {
  return (err: unknown) => err instanceof ArgumentError && err.code === code && err.message.startsWith(`${method}:`);
}

forEachProtocol((protocol) => {
  test('setBit returns the previous bit and getBit reads bits, 0 past the end', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('bits');
    assert.equal(await client.setBit(k, 7, 1), 0);
    assert.equal(await client.setBit(k, 7, 1), 1);
    assert.equal(await client.setBit(k, 7, 0), 1);
    assert.equal(await client.setBit(k, 1, 1), 0);
    assert.equal(await client.get(k), '@'); // 0b01000000
    assert.equal(await client.getBit(k, 1), 1);
    assert.equal(await client.getBit(k, 0), 0);
    assert.equal(await client.getBit(k, 1000), 0);
    assert.equal(await client.getBit(uniqueKey(), 3), 0);
  });

  test('bitCount counts set bits, in byte or bit ranges', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('bits');
    await client.set(k, 'foobar');
    assert.equal(await client.bitCount(k), 26);
    assert.equal(await client.bitCount(k, { start: 0, end: 0 }), 4);
    assert.equal(await client.bitCount(k, { start: 1, end: 1 }), 6);
    assert.equal(await client.bitCount(k, { start: -2, end: -1, unit: 'BYTE' }), 7);
    assert.equal(await client.bitCount(k, { start: 5, end: 30, unit: 'BIT' }), 17);
    assert.equal(await client.bitCount(uniqueKey()), 0);
  });

  test('bitPos finds the first 0 or 1 bit, with optional ranges', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('bits');
    await client.set(k, Buffer.from([0xff, 0xf0, 0x00]));
    assert.equal(await client.bitPos(k, 0), 12);
    await client.set(k, Buffer.from([0x00, 0xff, 0xf0]));
    assert.equal(await client.bitPos(k, 1, { start: 0 }), 8);
    assert.equal(await client.bitPos(k, 1, { start: 2 }), 16);
    assert.equal(await client.bitPos(k, 1, { start: 2, end: -1, unit: 'BYTE' }), 16);
    assert.equal(await client.bitPos(k, 1, { start: 7, end: 15, unit: 'BIT' }), 8);
    assert.equal(await client.bitPos(k, 1, { start: 0, end: 0 }), -1);
    await client.set(k, Buffer.from([0xff, 0xff, 0xff]));
    assert.equal(await client.bitPos(k, 0), 24, 'all ones without an end: the first bit past the string');
    assert.equal(await client.bitPos(k, 0, { start: 0, end: -1 }), -1);
    assert.equal(await client.bitPos(uniqueKey(), 1), -1);
  });

  test('bitOp stores AND/OR/XOR/NOT results and returns the length', async () => {
    await using client = redis.client({ protocol, returnBuffers: true });
    const a = uniqueKey('bits');
    const b = uniqueKey('bits');
    const dest = uniqueKey('bits');
    await client.set(a, Buffer.from([0b1100_1100, 0xff]));
    await client.set(b, Buffer.from([0b1010_1010]));
    assert.equal(await client.bitOp('AND', dest, [a, b]), 2);
    assert.deepEqual(await client.get(dest), Buffer.from([0b1000_1000, 0x00]));
    assert.equal(await client.bitOp('OR', dest, [a, b]), 2);
    assert.deepEqual(await client.get(dest), Buffer.from([0b1110_1110, 0xff]));
    assert.equal(await client.bitOp('XOR', dest, [a, b]), 2);
    assert.deepEqual(await client.get(dest), Buffer.from([0b0110_0110, 0xff]));
    assert.equal(await client.bitOp('NOT', dest, b), 1);
    assert.deepEqual(await client.get(dest), Buffer.from([0b0101_0101]));
    assert.equal(await client.bitOp('AND', dest, [uniqueKey(), uniqueKey()]), 0);
    assert.equal(await client.exists(dest), 0, 'an empty result deletes the destination');
  });

  test('bitField runs GET/SET/INCRBY with OVERFLOW, null where FAIL stopped a write', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('bits');
    const results = await client.bitField(k, [
      { operation: 'SET', encoding: 'u8', offset: 0, value: 200 },
      { operation: 'GET', encoding: 'u8', offset: 0 },
      { operation: 'INCRBY', encoding: 'u8', offset: 0, increment: 100 }, // WRAP by default
      { operation: 'OVERFLOW', behavior: 'SAT' },
      { operation: 'INCRBY', encoding: 'u8', offset: 0, increment: 1000 },
      { operation: 'OVERFLOW', behavior: 'FAIL' },
      { operation: 'INCRBY', encoding: 'u8', offset: 0, increment: 1 },
      { operation: 'SET', encoding: 'i16', offset: '#1', value: -2 },
      { operation: 'GET', encoding: 'i16', offset: 16 },
      { operation: 'INCRBY', encoding: 'i64', offset: 64, increment: 2n ** 40n },
    ]);
    assert.deepEqual(results, [0, 200, 44, 255, null, 0, -2, 2 ** 40]);
    assert.deepEqual(await client.bitField(k, []), []);
    assert.deepEqual(await client.bitFieldRo(k, [{ encoding: 'u8', offset: 0 }, { encoding: 'i16', offset: '#1' }, { encoding: 'u4', offset: 1000 }]), [255, -2, 0]);
  });

  test('bitmap commands in a pipeline resolve a typed tuple', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('bits');
    const results: [0 | 1, 0 | 1, number, number, (number | null)[], number[]] = await client
      .pipeline()
      .setBit(k, 3, 1)
      .getBit(k, 3)
      .bitCount(k)
      .bitPos(k, 1)
      .bitField(k, [{ operation: 'INCRBY', encoding: 'u4', offset: 0, increment: 1 }])
      .bitFieldRo(k, [{ encoding: 'u8', offset: 0 }])
      .exec();
    assert.deepEqual(results, [0, 1, 1, 3, [2], [0b0010_0000]]);
  });

  test('bitmap commands reject bad arguments synchronously with ArgumentError', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    assert.throws(() => client.setBit(k, -1, 1), isArgumentError('setBit'));
    assert.throws(() => client.setBit(k, 2 ** 32, 1), isArgumentError('setBit'));
    assert.throws(() => client.setBit(k, 1.5, 1), isArgumentError('setBit'));
    assert.throws(() => client.setBit(k, 0, 2 as 1), isArgumentError('setBit'));
    assert.throws(() => client.getBit(k, Number.NaN), isArgumentError('getBit'));
    assert.throws(() => client.bitCount(k, { start: 0, end: 1, unit: 'bits' as 'BIT' }), isArgumentError('bitCount', 'ERR_INVALID_OPTION'));
    assert.throws(() => client.bitPos(k, 1, { start: 0, unit: 'BIT' }), isArgumentError('bitPos'));
    assert.throws(() => client.bitOp('NOT', k, [k, k]), isArgumentError('bitOp'));
    assert.throws(() => client.bitOp('AND', k, []), isArgumentError('bitOp'));
    assert.throws(() => client.bitOp('NAND' as 'AND', k, k), isArgumentError('bitOp'));
    assert.throws(() => client.bitField(k, [{ operation: 'GET', encoding: 'u64' as 'u8', offset: 0 }]), isArgumentError('bitField'));
    assert.throws(() => client.bitField(k, [{ operation: 'GET', encoding: 'i65' as 'i8', offset: 0 }]), isArgumentError('bitField'));
    assert.throws(() => client.bitField(k, [{ operation: 'GET', encoding: 'u8', offset: '#x' as '#1' }]), isArgumentError('bitField'));
    assert.throws(() => client.bitField(k, [{ operation: 'SET', encoding: 'u8', offset: 0, value: 1.5 }]), isArgumentError('bitField'));
    assert.throws(() => client.bitField(k, [{ operation: 'OVERFLOW', behavior: 'CLAMP' as 'SAT' }]), isArgumentError('bitField'));
    assert.throws(() => client.bitField(k, [{ operation: 'DEL' } as never]), isArgumentError('bitField'));
    assert.throws(() => client.bitFieldRo(k, [{ encoding: 'x8' as 'u8', offset: 0 }]), isArgumentError('bitFieldRo'));
  });

  test('bitmap commands on a key of another type reject with WRONGTYPE', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    await client.call('LPUSH', k, 'x');
    await assert.rejects(client.setBit(k, 0, 1), (err: unknown) => err instanceof ReplyError && err.code === 'WRONGTYPE' && err.command === 'SETBIT');
    await assert.rejects(client.bitCount(k), (err: unknown) => err instanceof ReplyError && err.code === 'WRONGTYPE');
    await assert.rejects(client.bitField(k, [{ operation: 'GET', encoding: 'u8', offset: 0 }]), (err: unknown) => err instanceof ReplyError && err.code === 'WRONGTYPE');
  });
});
