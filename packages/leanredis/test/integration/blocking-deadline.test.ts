/**
 * A blocking command's short grace past its block time (issue 9 item 4) counts from when it is
 * sent on its lease, not from the call: getting the lease may take longer than the grace (every
 * lease connection busy, a dial and handshake on a loaded machine or a far server). Counted from
 * the call, such a BLPOP timed out as "written; it may have executed", and a popped element
 * would have been lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '../../src/index.ts';
import { forEachProtocol, useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { letRealTimePass, waitFor } from '../helpers/wait.ts';

const redis = useRedisServer();

forEachProtocol((protocol) => {
  test('a blocking pop that waited longer than its grace for a lease still gets its whole block time and its reply', async () => {
    // One lease connection in all: the blocking pop waits for it while the test holds it.
    await using client = createClient({ port: redis.port, protocol, maxConnections: 2, sharedConnections: 1 });
    const key = uniqueKey('grace');
    const held = await client.acquire();
    const popped = client.blPop(key, 0.2);
    await waitFor(() => client.stats().pendingRequests >= 1, { message: 'the blocking pop waits for the lease' });
    // Longer than block time + grace (200 + 150 ms) counted from the call.
    await letRealTimePass(600, 'the pop waits for the lease longer than its grace');
    held.release();
    assert.equal(await popped, null, 'no element: the server answers nil after 0.2 s, and that reply is delivered');
    // And an element pushed while it blocks is delivered, not lost to a timeout.
    const held2 = await client.acquire();
    const popped2 = client.blPop(key, 5);
    await waitFor(() => client.stats().pendingRequests >= 1, { message: 'the second pop waits for the lease' });
    await letRealTimePass(600, 'longer than the grace counted from the call');
    held2.release();
    await client.rPush(key, 'job-1');
    assert.deepEqual(await popped2, { key, element: 'job-1' });
  });
});
