/**
 * Test wiring: one real redis-server per test file, and clients for each RESP version.
 *
 *   const redis = useRedisServer();                 // started before, stopped after the file
 *   forEachProtocol((protocol) => {                 // a describe block per RESP version
 *     test('...', async () => { await using client = redis.client({ protocol }); ... });
 *   });
 */
import { after, before, describe } from 'node:test';
import { createClient, type ClientOptions, type Client } from '../../src/index.ts';
import { startRedisServer, type RedisServer, type StartOptions } from './redis-server.ts';

/** Client options as tests pass them: any returnBuffers value. */
export type TestClientOptions = Omit<ClientOptions, 'returnBuffers'> & { returnBuffers?: boolean };

export interface ServerHandle {
  readonly server: RedisServer;
  readonly url: string;
  readonly port: number;
  /**
   * A client of this server; options override the URL. `returnBuffers: true` is accepted
   * (tests read the Buffers at run time); the result is typed as a string client either way.
   */
  client(options?: TestClientOptions): Client;
}

export function useRedisServer(options?: StartOptions): ServerHandle {
  let server: RedisServer | undefined;
  before(async () => {
    server = await startRedisServer(options);
  });
  after(async () => {
    await server?.stop();
  });
  const get = (): RedisServer => {
    if (server === undefined) throw new Error('redis-server is not started yet (use it inside a test)');
    return server;
  };
  return {
    get server() {
      return get();
    },
    get url() {
      return get().url;
    },
    get port() {
      return get().port;
    },
    client(clientOptions?: TestClientOptions) {
      return createClient({ url: get().url, ...clientOptions } as ClientOptions);
    },
  };
}

/** Runs `body` inside a describe block for RESP2 and one for RESP3. */
export function forEachProtocol(body: (protocol: 2 | 3) => void): void {
  for (const protocol of [2, 3] as const) {
    describe(`RESP${protocol}`, () => body(protocol));
  }
}

/** A key unique to this process and call, so tests never collide. */
let counter = 0;
export function uniqueKey(prefix = 'k'): string {
  return `${prefix}:${process.pid}:${++counter}`;
}
