/**
 * Type-level tests of the command families added for issue 13 (administration, introspection,
 * ACL, CLUSTER, SORT, MIGRATE, FUNCTION DUMP/STATS): the reply types a string client, a
 * returnBuffers client and a pipeline see. Compiled by `npm run typecheck`, never executed;
 * test/integration/reply-shapes.test.ts checks the same replies at run time under RESP2 and
 * RESP3.
 */
import {
  createClient,
  type AclUser,
  type ClusterNode,
  type CommandInfo,
  type FunctionStats,
  type LatencyEvent,
  type MemoryStats,
  type RoleReply,
  type ServerText,
  type TrackingInfo,
} from '../../src/index.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(..._values: unknown[]): T | void {}

export async function stringClient(): Promise<void> {
  const client = createClient('redis://127.0.0.1:6379');
  const role = await client.role();
  assertType<Equal<typeof role, RoleReply>>(role);
  // The reply is a union told apart by `role`.
  if (role.role === 'master') assertType<Equal<typeof role.replicas[number]['port'], number>>(role);
  else if (role.role === 'slave') assertType<Equal<typeof role.masterPort, number>>(role);
  else assertType<Equal<typeof role.masterNames, ServerText[]>>(role);

  const stats = await client.memoryStats();
  assertType<Equal<typeof stats, MemoryStats>>(stats);
  assertType<Equal<typeof stats.fields, Record<string, number>>>(stats);
  const latest = await client.latencyLatest();
  assertType<Equal<typeof latest, LatencyEvent[]>>(latest);
  const info = await client.commandInfo(['get', 'nope']);
  assertType<Equal<typeof info, (CommandInfo | null)[]>>(info);
  const user = await client.aclGetUser('default');
  assertType<Equal<typeof user, AclUser | null>>(user);
  const dryRun = await client.aclDryRun('default', ['GET', 'k']);
  assertType<Equal<typeof dryRun, ServerText>>(dryRun);
  const nodes = await client.clusterNodes();
  assertType<Equal<typeof nodes, ClusterNode[]>>(nodes);
  const sorted = await client.sort('list', { get: ['#', 'w:*'] });
  assertType<Equal<typeof sorted, (string | null)[]>>(sorted);
  const stored = await client.sortStore('list', 'dest');
  assertType<Equal<typeof stored, number>>(stored);
  const migrated = await client.migrate('10.0.0.2', 6379, ['a', 'b'], 0, 1000);
  assertType<Equal<typeof migrated, 'OK' | 'NOKEY'>>(migrated);
  const dump = await client.functionDump();
  assertType<Equal<typeof dump, Buffer>>(dump);
  const functions = await client.functionStats();
  assertType<Equal<typeof functions, FunctionStats>>(functions);
  const tracking = await client.clientTrackingInfo();
  assertType<Equal<typeof tracking, TrackingInfo>>(tracking);
  const unblocked = await client.clientUnblock(5, 'ERROR');
  assertType<Equal<typeof unblocked, boolean>>(unblocked);
  const keys = await client.commandGetKeys(['MSET', 'a', '1']);
  assertType<Equal<typeof keys, string[]>>(keys);

  const [r, m, s] = await client.pipeline().role().memoryStats().sort('l').exec();
  assertType<Equal<[typeof r, typeof m, typeof s], [RoleReply, MemoryStats, (string | null)[]]>>(r, m, s);

  // @ts-expect-error the order is "ASC" or "DESC"
  await client.sort('l', { order: 'desc' });
  // @ts-expect-error a migration names its target database
  await client.migrate('10.0.0.2', 6379, 'k');
  // @ts-expect-error restore takes the Buffer functionDump() returned
  await client.functionRestore('payload');
  // @ts-expect-error CLIENT UNBLOCK ends as a TIMEOUT or an ERROR
  await client.clientUnblock(5, 'KILL');
  // @ts-expect-error the command line is an array of words
  await client.commandGetKeys('MSET a 1');
}

export async function bufferClient(): Promise<void> {
  const client = createClient({ url: 'redis://127.0.0.1:6379', returnBuffers: true });
  // Data from keys becomes Buffers...
  const sorted = await client.sort('list');
  assertType<Equal<typeof sorted, (Buffer | null)[]>>(sorted);
  const inSlot = await client.clusterGetKeysInSlot(42, 10);
  assertType<Equal<typeof inSlot, Buffer[]>>(inSlot);
  const keys = await client.commandGetKeysAndFlags(['GET', 'k']);
  assertType<Equal<(typeof keys)[number]['key'], Buffer>>(keys);
  // ...while what the server says about itself stays text.
  const id = await client.clusterMyId();
  assertType<Equal<typeof id, ServerText>>(id);
  const role = await client.role();
  if (role.role === 'master') assertType<Equal<typeof role.replicas[number]['host'], ServerText>>(role);
  const user = await client.aclWhoAmI();
  assertType<Equal<typeof user, ServerText>>(user);
  const dump = await client.functionDump();
  assertType<Equal<typeof dump, Buffer>>(dump);
}
