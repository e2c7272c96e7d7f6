/**
 * R1 (issue 4), small count: commands across forced disconnects (proxy resets, CLIENT KILL,
 * SIGKILL + restart of redis-server on the same port) lose no promise, hand no reply to the
 * wrong caller and run no INCR twice. The workload and its checks live in
 * test/soak/disconnects.ts; `npm run test:soak` runs it with 200,000 commands and 50
 * disconnects per RESP version.
 */
import { test } from 'node:test';
import { forEachProtocol } from '../helpers/setup.ts';
import { runR1, r1Bounds } from '../soak/disconnects.ts';
import { assertBounds } from '../soak/soak-kit.ts';

forEachProtocol((protocol) => {
  test('3,000 commands across 6 forced disconnects: 0 pending past deadline, 0 wrong replies, 0 INCRs run twice, 0 canary leaks', async (t) => {
    const r = await runR1({ commands: 3000, disconnects: 6, protocol });
    t.diagnostic(JSON.stringify(r));
    assertBounds(r1Bounds(r), r);
    // The run must have hurt: connections were lost and written commands were caught by it.
    if (r.reconnects < 6 || (r.outcomes.ERR_CONNECTION_LOST_AFTER_WRITE ?? 0) === 0) {
      throw new Error(`the disconnects did not bite: ${r.reconnects} reconnects, outcomes ${JSON.stringify(r.outcomes)}`);
    }
  });
});
