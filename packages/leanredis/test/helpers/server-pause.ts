/**
 * Holding a real server's replies back for a while, deterministically: `CLIENT PAUSE <ms> ALL`
 * from a connection of its own. The server keeps reading every client's commands but runs none
 * until the pause ends, so commands written meanwhile are "written, reply due" for the whole
 * pause. Unlike DEBUG SLEEP (which may or may not have reached the server when the caller goes
 * on), the pause is in force once its OK arrives; and the pausing connection's own next command
 * is held too, so its reply tells exactly when the pause is over.
 *
 *   const { resumed } = await pauseServer(redis, 1000);  // every command now waits
 *   ... commands time out, get aborted ...
 *   await resumed;                                       // the server runs them again
 */
import type { Client, ClientOptions } from '../../src/index.ts';

/** What {@link pauseServer} needs: a way to make a client of the server (a `useRedisServer()` handle). */
export interface ClientFactory {
  client(options?: Omit<ClientOptions, 'returnBuffers'>): Client;
}

/** A pause in force. */
export interface ServerPause {
  /** Settles once the server runs commands again (its pausing connection's PING was answered). */
  readonly resumed: Promise<void>;
}

/**
 * Pauses every client of the server for `ms` and resolves once the pause is in force. Clients
 * that should keep working through the pause must be connected before it (their handshake would
 * wait too).
 */
export async function pauseServer(server: ClientFactory, ms: number, options?: Omit<ClientOptions, 'returnBuffers'>): Promise<ServerPause> {
  const pauser = server.client({ ...options, commandTimeoutMs: ms + 10_000 });
  await pauser.call('CLIENT', 'PAUSE', String(Math.ceil(ms)), 'ALL');
  const resumed = pauser.ping().then(
    () => pauser.close(),
    (err: unknown) => {
      pauser.destroy();
      throw err;
    },
  );
  return { resumed };
}
