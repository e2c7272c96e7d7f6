/**
 * diagnostics_channel names leanredis publishes on. Publishing is guarded by hasSubscribers,
 * so an unobserved client pays one property read per event.
 *
 *   leanredis:pool:ready      { address, connectionId }               a connection finished its handshake
 *   leanredis:pool:lost       { address, connectionId, error }        a socket was lost (it will reconnect if it has work)
 *   leanredis:pool:close      { address, connectionId, error? }       a connection closed for good
 *   leanredis:pool:leak       { address, connectionId, heldMs, stack } a lease outlived leakDetectionThresholdMs
 *   leanredis:command:end     { address, command, durationMs, error? } a command settled (name only, never arguments)
 */
import diagnostics from 'node:diagnostics_channel';

export const poolReady = diagnostics.channel('leanredis:pool:ready');
export const poolLost = diagnostics.channel('leanredis:pool:lost');
export const poolClose = diagnostics.channel('leanredis:pool:close');
export const poolLeak = diagnostics.channel('leanredis:pool:leak');
export const commandEnd = diagnostics.channel('leanredis:command:end');
