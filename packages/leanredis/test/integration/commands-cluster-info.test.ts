/**
 * The CLUSTER read commands against a one-node cluster (cluster-enabled, every slot assigned
 * to itself through call(), the way an operator's tool would), under RESP2 and RESP3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol } from '../helpers/setup.ts';
import { waitFor } from '../helpers/wait.ts';
import { ArgumentError } from '../../src/index.ts';

const redis = useRedisServer({ args: ['--cluster-enabled', 'yes'] });

let assigned: Promise<void> | undefined;
/** Assigns every slot to the node, once (inside a test: the server starts in the file's hook). */
function clusterReady(): Promise<void> {
  return (assigned ??= (async () => {
    await using client = redis.client();
    await client.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    await waitFor(async () => (await client.clusterInfo()).cluster_state === 'ok');
  })());
}

forEachProtocol((protocol) => {
  test('clusterInfo, clusterMyId, clusterNodes and clusterReplicas describe the one node', async () => {
    await clusterReady();
    await using client = redis.client({ protocol });
    const info = await client.clusterInfo();
    assert.deepEqual([info.cluster_state, info.cluster_slots_assigned, info.cluster_known_nodes], ['ok', '16384', '1']);
    const id = await client.clusterMyId();
    assert.match(id, /^[0-9a-f]{40}$/);
    const [node] = await client.clusterNodes();
    assert.equal(node.id, id);
    assert.match(node.address, new RegExp(`:${redis.port}@`));
    assert.deepEqual([node.flags, node.masterId, node.linkState, node.slots], [['myself', 'master'], null, 'connected', ['0-16383']]);
    assert.equal(typeof node.configEpoch, 'number');
    assert.deepEqual(await client.clusterReplicas(id), []);
    assert.equal(await client.clusterCountFailureReports(id), 0);
  });

  test('clusterSlots and clusterShards give the slot ranges and their node', async () => {
    await clusterReady();
    await using client = redis.client({ protocol });
    const id = await client.clusterMyId();
    const [range] = await client.clusterSlots();
    assert.deepEqual([range.start, range.end, range.master.port, range.master.id, range.replicas], [0, 16383, redis.port, id, []]);
    const [shard] = await client.clusterShards();
    assert.deepEqual(shard.slots, [[0, 16383]]);
    assert.deepEqual([shard.nodes[0].id, shard.nodes[0].port, shard.nodes[0].role, shard.nodes[0].health], [id, redis.port, 'master', 'online']);
    assert.deepEqual(await client.clusterLinks(), []);
  });

  test('clusterKeySlot honours hash tags; keys in a slot are counted and listed', async () => {
    await clusterReady();
    await using client = redis.client({ protocol });
    const slot = await client.clusterKeySlot('{user1}:a');
    assert.equal(await client.clusterKeySlot('{user1}:b'), slot);
    await client.set('{user1}:a', 'v');
    assert.equal(await client.clusterCountKeysInSlot(slot), 1);
    assert.deepEqual(await client.clusterGetKeysInSlot(slot, 10), ['{user1}:a']);
    assert.throws(() => client.clusterCountKeysInSlot(16384), (err: unknown) => err instanceof ArgumentError);
  });
});
