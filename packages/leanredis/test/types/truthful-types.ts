/**
 * Type-level tests of issue 13's "types that tell the truth" (compiled by `npm run typecheck`,
 * never executed): a `with({ returnBuffers })` view is typed by the option it was given, a
 * transaction of the shared connection cannot resolve null, and `watch()` resolves null only
 * for a body that may give up. The runtime side of each is tested against a real server in
 * test/integration/truthful-types.test.ts.
 */
import { type Client, type Lease, type LeaseMulti, type LeanRedisError, type Multi, type Runner, type ScoredMember, type Settled, type WatchOptions } from '../../src/index.ts';
import type { ClusterClient } from '../../src/cluster.ts';

/** True when A and B are the same type (not merely assignable either way). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only when T is `true`. The arguments are the values T talks about (so they count as used). */
function assertType<T extends true>(..._values: unknown[]): T | void {}

type Resolved<F> = F extends (...args: never[]) => Promise<infer R> ? R : never;

export async function bufferViews(client: Client, buffers: Client<Buffer>, flag: boolean): Promise<void> {
  // returnBuffers: true makes a Buffer view of a string client, for every bulk-string reply.
  const view = client.with({ returnBuffers: true });
  assertType<Equal<typeof view, Runner<Buffer>>>(view);
  const value = await client.with({ returnBuffers: true, timeoutMs: 100 }).get('k');
  assertType<Equal<typeof value, Buffer | null>>(value);
  assertType<Equal<Resolved<typeof view.getDel>, Buffer | null>>(view);
  assertType<Equal<Resolved<typeof view.mGet>, (Buffer | null)[]>>(view);
  assertType<Equal<Resolved<typeof view.hGetAll>, Record<string, Buffer>>>(view);
  assertType<Equal<Resolved<typeof view.lRange>, Buffer[]>>(view);
  assertType<Equal<Resolved<typeof view.zRangeWithScores>, { member: Buffer; score: number }[]>>(view);
  // Replies that are not bulk strings keep their types: integers, "OK", the server's own text.
  assertType<Equal<Resolved<typeof view.incr>, number>>(view);
  assertType<Equal<Resolved<typeof view.set>, 'OK' | null>>(view);
  for await (const key of view.scanIterator()) assertType<Equal<typeof key, Buffer>>(key);

  // returnBuffers: false makes a string view of a Buffer client.
  const strings = buffers.with({ returnBuffers: false });
  assertType<Equal<typeof strings, Runner<string>>>(strings);
  assertType<Equal<Resolved<typeof strings.get>, string | null>>(strings);
  assertType<Equal<Resolved<typeof strings.zRangeWithScores>, ScoredMember[]>>(strings);

  // Left out, the client's own setting applies.
  const same = buffers.with({ timeoutMs: 100 });
  assertType<Equal<typeof same, Runner<Buffer>>>(same);
  assertType<Equal<Resolved<typeof same.get>, Buffer | null>>(same);

  // Known only at run time: either kind of reply.
  const either = client.with({ returnBuffers: flag });
  assertType<Equal<Resolved<typeof either.get>, string | Buffer | null>>(either);
}

export async function clusterBufferViews(cluster: ClusterClient): Promise<void> {
  const view = cluster.with({ returnBuffers: true });
  assertType<Equal<Resolved<typeof view.get>, Buffer | null>>(view);
  // A cluster transaction runs on a master's shared connection: no WATCH, no null.
  const tx = await cluster.multi().incr('{a}n').exec();
  assertType<Equal<typeof tx, [number]>>(tx);
  const watched = await cluster.watch('{a}k', (tx) => tx.multi().incr('{a}k'));
  assertType<Equal<typeof watched, [number]>>(watched);
}

export async function transactions(client: Client, lease: Lease): Promise<void> {
  // The shared connection refuses WATCH, so its EXEC always runs the commands.
  const shared = client.multi().set('k', 'v').incr('n');
  assertType<Equal<typeof shared, Multi<['OK' | null, number], string>>>(shared);
  assertType<Equal<Awaited<ReturnType<typeof shared.exec>>, ['OK' | null, number]>>(shared);
  assertType<Equal<Awaited<ReturnType<typeof shared.execSettled>>, Settled<['OK' | null, number]>>>(shared);
  // A lease may have WATCHed: its transaction resolves null when EXEC was aborted.
  const leased = lease.multi().get('k');
  assertType<Equal<typeof leased, LeaseMulti<[string | null], string>>>(leased);
  assertType<Equal<Awaited<ReturnType<typeof leased.exec>>, [string | null] | null>>(leased);
  assertType<Equal<Awaited<ReturnType<typeof leased.execSettled>>, [string | null | LeanRedisError] | null>>(leased);
  const buffered = (lease as unknown as Lease<Buffer>).multi().get('k').call('PING');
  assertType<Equal<Awaited<ReturnType<typeof buffered.exec>>, [Buffer | null, unknown] | null>>(buffered);
}

export async function watchResults(client: Client, maybe: boolean): Promise<void> {
  const options: WatchOptions = { retries: 2 };
  // A body that always commits: the EXEC results, never null (conflicts reject).
  const committed = await client.watch('k', async (tx) => tx.multi().set('k', String(Number(await tx.get('k')) + 1)), options);
  assertType<Equal<typeof committed, ['OK' | null]>>(committed);
  const sync = await client.watch(['k'], (tx) => tx.multi().incr('k'));
  assertType<Equal<typeof sync, [number]>>(sync);
  // A body that may give up: null is the give-up, and only then is it in the type.
  const maybeCommitted = await client.watch('k', async (tx) => {
    if ((await tx.get('k')) === null || maybe) return undefined;
    return tx.multi().del('k');
  });
  assertType<Equal<typeof maybeCommitted, [number] | null>>(maybeCommitted);
  const gaveUp = await client.watch('k', () => undefined);
  assertType<Equal<typeof gaveUp, unknown[] | null>>(gaveUp);
  // @ts-expect-error the body returns a transaction of its lease, not of the client
  await client.watch('k', () => client.set('k', 'v'));
  // @ts-expect-error watch() takes { retries }, nothing else
  await client.watch('k', (tx) => tx.multi(), { attempts: 2 });
}
