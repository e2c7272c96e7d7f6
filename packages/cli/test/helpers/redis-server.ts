/**
 * A private redis-server for the doctor's tests: the doctor's own (src/bench/private-redis.ts:
 * from PATH or REDIS_SERVER, a free loopback port, nothing persisted, killed by stop() or when
 * the test process exits). The doctor's tests cannot import the client package's helpers
 * (packages/cli reaches the client only through its published entry points).
 */
import { startPrivateRedis, type PrivateRedis } from '../../src/bench/private-redis.ts';

/** A running server. */
export type TestRedis = PrivateRedis;

/** Starts redis-server (with `extraArgs`, such as `['--requirepass', 'pw']`) and resolves once it answers PING (within 10 s). */
export function startTestRedis(extraArgs: readonly string[] = []): Promise<TestRedis> {
  return startPrivateRedis(process.env, extraArgs);
}
