/**
 * The cluster's algorithms without a server: key slots (CRC16 with hash tags, known vectors from
 * the cluster spec), the slot map parsed from CLUSTER SHARDS (RESP2 and RESP3 shapes) and CLUSTER
 * SLOTS, command routing by key specs, MOVED/ASK parsing and the single-flight refresh gate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keySlot, SLOT_COUNT } from '../../src/internal/crc16.ts';
import { SlotMap, UNSERVED, parseShards, parseSlots, parseAddress } from '../../src/cluster/slot-map.ts';
import { ANY_SLOT, CROSS_SLOT, UNKNOWN_SLOT, commandSlot, parseRedirect, sharedSlot } from '../../src/cluster/routing.ts';
import { RefreshGate } from '../../src/cluster/refresh-gate.ts';
import { definitionFor, ensureCommands, tableDefinition } from '../../src/commands/index.ts';

test('keySlot: CRC16-XMODEM mod 16384, with the spec vectors and hash tags', () => {
  assert.equal(SLOT_COUNT, 16384);
  assert.equal(keySlot('123456789'), 0x31c3 % 16384); // the CRC16 check value of the spec
  assert.equal(keySlot('foo'), 12182);
  assert.equal(keySlot('{user1000}.following'), keySlot('{user1000}.followers'));
  assert.equal(keySlot('{user1000}.following'), keySlot('user1000'));
  assert.equal(keySlot('foo{}{bar}'), keySlot('foo{}{bar}'), 'an empty tag hashes the whole key');
  assert.notEqual(keySlot('foo{}{bar}'), keySlot('bar'));
  assert.equal(keySlot('foo{{bar}}zap'), keySlot('{bar'), 'the tag runs from the first { to the next }');
  assert.equal(keySlot('foo{bar}{zap}'), keySlot('bar'));
  assert.equal(keySlot(Buffer.from('foo')), 12182, 'Buffers hash as their bytes');
  assert.equal(keySlot('é'), keySlot(Buffer.from('é', 'utf8')), 'strings hash as UTF-8');
  assert.equal(keySlot('k'.repeat(1000)), keySlot(Buffer.from('k'.repeat(1000))));
  assert.equal(keySlot(42), keySlot('42'));
});

const shardsResp3 = [
  new Map<string, unknown>([
    ['slots', [0, 5460, 10000, 10001]],
    ['nodes', [
      new Map<string, unknown>([['id', 'a'], ['port', 7000], ['ip', '10.0.0.1'], ['endpoint', '10.0.0.1'], ['role', 'master'], ['health', 'online']]),
      new Map<string, unknown>([['id', 'b'], ['port', 7003], ['ip', '10.0.0.4'], ['endpoint', '10.0.0.4'], ['role', 'replica'], ['health', 'online']]),
      new Map<string, unknown>([['id', 'c'], ['port', 7006], ['ip', '10.0.0.7'], ['endpoint', '10.0.0.7'], ['role', 'replica'], ['health', 'loading']]),
    ]],
  ]),
  new Map<string, unknown>([
    ['slots', [5461, 9999, 10002, 16383]],
    ['nodes', [new Map<string, unknown>([['id', 'd'], ['port', 7001], ['ip', ''], ['endpoint', '?'], ['role', 'master'], ['health', 'online']])]],
  ]),
  new Map<string, unknown>([['slots', []], ['nodes', [new Map<string, unknown>([['id', 'e'], ['port', 7009], ['ip', '10.0.0.9'], ['role', 'master']])]]]),
];
// RESP2: every map is a flat [key, value, ...] array.
const flat = (v: unknown): unknown => (v instanceof Map ? [...v].flatMap(([k, x]) => [k, flat(x)]) : Array.isArray(v) ? v.map(flat) : v);

test('parseShards reads RESP3 maps and RESP2 flat arrays alike into one typed array', () => {
  for (const reply of [shardsResp3, flat(shardsResp3)]) {
    const map = parseShards(reply, '127.0.0.9');
    assert.ok(map.slots instanceof Uint16Array && map.slots.length === 16384);
    assert.equal(map.shards.length, 2, 'a shard without slots is left out');
    assert.equal(map.shardOf(0)!.master.address, '10.0.0.1:7000');
    assert.equal(map.shardOf(10001)!.master.address, '10.0.0.1:7000');
    assert.deepEqual(map.shardOf(0)!.replicas.map((r) => r.address), ['10.0.0.4:7003'], 'only online replicas');
    assert.equal(map.shardOf(5461)!.master.address, '127.0.0.9:7001', 'an unknown endpoint is the answering host');
    assert.equal(map.servedCount, 16384);
  }
});

test('parseSlots reads CLUSTER SLOTS; MOVED patches one slot; unserved slots stay unserved', () => {
  const map = parseSlots([[0, 99, ['10.0.0.1', 7000, 'a'], ['10.0.0.2', 7001, 'b']], [200, 299, ['', 7002, 'c']]], '127.0.0.1');
  assert.equal(map.shardOf(50)!.master.address, '10.0.0.1:7000');
  assert.equal(map.shardOf(50)!.replicas[0].address, '10.0.0.2:7001');
  assert.equal(map.shardOf(250)!.master.address, '127.0.0.1:7002');
  assert.equal(map.slots[150], UNSERVED);
  assert.equal(map.servedCount, 200);
  map.move(50, parseAddress('10.0.0.3:7005', 'x')!);
  assert.equal(map.shardOf(50)!.master.address, '10.0.0.3:7005');
  assert.equal(map.shardOf(51)!.master.address, '10.0.0.1:7000');
  assert.throws(() => parseSlots([[0, 99999, ['h', 1]]], 'x'), /bad slot range/);
  assert.throws(() => parseShards('nope', 'x'), /expected an array/);
  assert.ok(new SlotMap().shardOf(0) === undefined);
});

test('commandSlot routes by key specs, refuses keys of different slots, and knows keyless and unknown commands', () => {
  ensureCommands();
  const get = tableDefinition('GET')!;
  const mget = tableDefinition('MGET')!;
  assert.equal(commandSlot(get, ['foo']), 12182);
  assert.equal(commandSlot(mget, ['{u}a', '{u}b']), keySlot('u'));
  assert.equal(commandSlot(mget, ['a', 'b']), CROSS_SLOT);
  assert.equal(commandSlot(tableDefinition('PING')!, []), ANY_SLOT);
  assert.equal(commandSlot(definitionFor('NOTACOMMAND', ['x']), ['x']), UNKNOWN_SLOT);
  assert.equal(sharedSlot([ANY_SLOT, 5, 5]), 5);
  assert.equal(sharedSlot([5, 6]), CROSS_SLOT);
  assert.equal(sharedSlot([ANY_SLOT]), ANY_SLOT);
});

test('parseRedirect reads MOVED and ASK, with IPv6 and empty hosts', () => {
  assert.deepEqual(parseRedirect('MOVED', 'MOVED 3999 127.0.0.1:6381', 'x'), { kind: 'MOVED', slot: 3999, target: { host: '127.0.0.1', port: 6381, address: '127.0.0.1:6381' } });
  assert.equal(parseRedirect('ASK', 'ASK 1 ::1:7000', 'x')!.target.address, '[::1]:7000');
  assert.equal(parseRedirect('MOVED', 'MOVED 1 :7000', '10.1.1.1')!.target.address, '10.1.1.1:7000');
  assert.equal(parseRedirect('WRONGTYPE', 'WRONGTYPE x', 'x'), undefined);
  assert.equal(parseRedirect('MOVED', 'MOVED nope', 'x'), undefined);
});

test('RefreshGate: many requests share one refresh, and starts are at least minIntervalMs apart', async () => {
  let runs = 0;
  let release!: () => void;
  const gate = new RefreshGate(() => {
    runs++;
    return new Promise<void>((resolve) => (release = resolve));
  }, 30);
  const waits = Array.from({ length: 100 }, () => gate.request());
  assert.equal(runs, 1, 'one refresh for 100 requests');
  release();
  await Promise.all(waits);
  // Within the interval: one refresh scheduled for its end, shared by every request meanwhile.
  const t0 = performance.now();
  const later = Array.from({ length: 50 }, () => gate.request());
  assert.equal(runs, 1);
  await new Promise((r) => setImmediate(r));
  assert.ok(gate.isBusy);
  const done = Promise.all(later);
  // The scheduled refresh starts after the interval; release it when it does.
  while (runs === 1) await new Promise((r) => setTimeout(r, 5));
  assert.ok(performance.now() - t0 >= 25, 'not before the interval');
  release();
  await done;
  assert.equal(runs, 2);
  assert.equal(gate.count, 2);
});

test('RefreshGate never rejects: a failing refresh resolves its waiters', async () => {
  const gate = new RefreshGate(() => Promise.reject(new Error('down')), 0);
  await gate.request();
  await gate.request();
  assert.equal(gate.count, 2);
});
