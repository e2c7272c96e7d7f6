/**
 * A server that answers LOADING (it is reading its dataset after a restart) did not run the
 * command: the client sends it again after a short pause instead of failing it, writes wait
 * meanwhile, and the order of a connection's commands is kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '../../src/index.ts';
import { forEachProtocol } from '../helpers/setup.ts';
import { waitFor } from '../helpers/wait.ts';
import { scripts, startHostileServer } from '../helpers/hostile-server.ts';

const LOADING = '-LOADING Redis is loading the dataset in memory\r\n';

forEachProtocol((protocol) => {
  test('commands answered LOADING are sent again until the server has loaded, in order, within their deadline', async () => {
    let loadingUntil = 0;
    await using server = await startHostileServer((command, conn) => {
      if (performance.now() < loadingUntil) conn.write(LOADING);
      else scripts.answer()(command, conn);
    });
    await using client = createClient({ url: server.url, protocol, commandTimeoutMs: 3000 });
    await client.connect();
    // Loading starts once connected, so a slow handshake on a busy machine cannot eat into it.
    const t0 = performance.now();
    loadingUntil = t0 + 300;
    const results = await Promise.all([client.incr('a'), client.ping(), client.get('b'), client.call('SET', 'c', 'd')]);
    assert.deepEqual(results, [1, 'PONG', null, 'OK']);
    // Measured against the end of loading, not against t0: how much of the loading window is
    // left at t0 depends on how long the process took to start the server and the client.
    assert.ok(performance.now() >= loadingUntil, 'answered only once loading was over');
    assert.ok(t0 < loadingUntil, 'the commands were sent while the server was loading');
    // Each command reached the server several times (once per LOADING answer), and the last
    // round kept the callers' order.
    const names = server.commandNames().filter((n) => n !== 'HELLO');
    assert.ok(names.length > 4, `retried: ${names.join(' ')}`);
    assert.deepEqual(names.slice(-4), ['INCR', 'PING', 'GET', 'SET']);
    loadingUntil = 0;
    assert.equal(await client.ping(), 'PONG');
  });

  test('a command still answered LOADING at its deadline rejects with ERR_COMMAND_TIMEOUT', async () => {
    await using server = await startHostileServer((_command, conn) => void conn.write(LOADING));
    await using client = createClient({ url: server.url, protocol, commandTimeoutMs: 400 });
    await client.connect().catch(() => undefined);
    const t0 = performance.now();
    await assert.rejects(client.get('k'), { code: 'ERR_COMMAND_TIMEOUT' });
    // Held between LOADING retries, the command still expires at its own deadline (not after
    // some retry: the bound is wide only for a busy machine).
    assert.ok(performance.now() - t0 < 400 + 2600);
  });

  test('LOADING in answer to the handshake is transient: queued commands wait for a reconnect, not fail with it', async () => {
    let loading = true;
    await using server = await startHostileServer(
      (command, conn) => {
        if (loading) conn.write(LOADING);
        else if (command.name === 'HELLO') conn.write(protocol === 3 ? '%1\r\n+proto\r\n:3\r\n' : '*2\r\n$5\r\nproto\r\n:2\r\n');
        else conn.write('$1\r\nv\r\n');
      },
      { handshake: 'none' },
    );
    await using client = createClient({ url: server.url, protocol, commandTimeoutMs: 3000 });
    const pending = client.get('k');
    await waitFor(() => server.commandNames().includes('HELLO'), { message: 'the handshake to be tried' });
    loading = false;
    assert.equal(await pending, 'v');
    assert.ok(!server.commandNames().slice(0, -1).includes('GET'), 'GET was held back until a handshake succeeded');
  });
});
