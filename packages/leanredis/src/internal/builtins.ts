// @layer L0 internal
/**
 * Node built-ins loaded on first use, not at import. Importing node:net alone adds ~300 KB of
 * heap and node:tls ~800 KB (measured on Node 20); a client that is imported but not used yet
 * must cost almost nothing, so sockets, TLS, hashing and events are fetched when needed.
 * process.getBuiltinModule is synchronous (Node >= 20.16), so dialling stays synchronous too.
 */
import type * as Net from 'node:net';
import type * as Tls from 'node:tls';
import type * as Crypto from 'node:crypto';
import type * as Events from 'node:events';
import type * as Diagnostics from 'node:diagnostics_channel';

function load<T>(id: string): T {
  return process.getBuiltinModule(id) as T;
}

export const lazyNet = (): typeof Net => load('node:net');
export const lazyTls = (): typeof Tls => load('node:tls');
export const lazyCrypto = (): typeof Crypto => load('node:crypto');
export const lazyEvents = (): typeof Events => load('node:events');
export const lazyDiagnostics = (): typeof Diagnostics => load('node:diagnostics_channel');

