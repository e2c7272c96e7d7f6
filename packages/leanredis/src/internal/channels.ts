// @layer L0 internal
/**
 * diagnostics_channel names leanredis publishes on. Publishing is guarded by hasSubscribers,
 * so an unobserved client pays one property read per event.
 *
 *   leanredis:pool:ready      { address, connectionId }               a connection finished its handshake
 *   leanredis:pool:lost       { address, connectionId, error }        a socket was lost (it will reconnect if it has work)
 *   leanredis:pool:close      { address, connectionId, error? }       a connection closed for good
 *   leanredis:pool:leak       { address, connectionId, heldMs, stack } a lease outlived leakDetectionThresholdMs
 *   leanredis:command:end     { address, command, durationMs, error? } a command settled (name only, never arguments)
 *   leanredis:command:rejected { address, connectionId, command, reason } a cap rejected a command at once (ERR_QUEUE_FULL)
 *   leanredis:pool:backpressure { address, connectionId, hold, heldMs, inFlight, inFlightBytes, queuedCommands, writeBufferedBytes }
 *                             a connection stopped writing (hold: 'socket' | 'inFlightCommands' | 'inFlightBytes') or
 *                             resumed (hold: 'none', heldMs: how long it was held)
 */
import type { Channel } from 'node:diagnostics_channel';
import { lazyDiagnostics } from './builtins.js';

export interface Channels {
  poolReady: Channel;
  poolLost: Channel;
  poolClose: Channel;
  poolLeak: Channel;
  commandEnd: Channel;
  commandRejected: Channel;
  poolBackpressure: Channel;
}

let cached: Channels | undefined;

/** The channels, created on first use (node:net loads diagnostics_channel anyway once we dial). */
export function channels(): Channels {
  if (cached !== undefined) return cached;
  const dc = lazyDiagnostics();
  cached = {
    poolReady: dc.channel('leanredis:pool:ready'),
    poolLost: dc.channel('leanredis:pool:lost'),
    poolClose: dc.channel('leanredis:pool:close'),
    poolLeak: dc.channel('leanredis:pool:leak'),
    commandEnd: dc.channel('leanredis:command:end'),
    commandRejected: dc.channel('leanredis:command:rejected'),
    poolBackpressure: dc.channel('leanredis:pool:backpressure'),
  };
  return cached;
}
