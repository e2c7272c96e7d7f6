// @layer L3 connection
/**
 * `leanredis:connect`: one dial and handshake of a connection, published as a tracing channel
 * publishes a promise (start and end around the synchronous dial; error, asyncStart and
 * asyncEnd once the handshake finished or failed). Only while someone observes: the contexts
 * of dials in progress are kept here, beside the connections, so an unobserved connection
 * carries no field for it.
 */
import { channels, isTraced, publishSettled, type ConnectContext } from '../internal/channels.js';
import type { ConnectionSettings } from './settings.js';

const dials = new WeakMap<object, { context: ConnectContext; startedAt: number }>();

/** Publishes `start` for a dial of `connection`, if someone observes; returns the context to pass to {@link dialStarted}. */
export function traceDial(connection: object, settings: ConnectionSettings, connectionId: number, attempt: number): ConnectContext | undefined {
  const t = channels().connect;
  if (!isTraced(t)) return undefined;
  const d = settings.destination;
  const context: ConnectContext = {
    address: d.address,
    serverAddress: d.serverAddress,
    serverPort: d.serverPort,
    database: d.database,
    client: d.client,
    connectionId,
    tls: settings.tls !== undefined,
    attempt,
    durationMs: 0,
    error: undefined,
  };
  dials.set(connection, { context, startedAt: performance.now() });
  if (t.start.hasSubscribers) t.start.publish(context);
  return context;
}

/** The synchronous part of the dial is done (the socket is opening): `end`. */
export function dialStarted(context: ConnectContext | undefined): void {
  const end = channels().connect.end;
  if (context !== undefined && end.hasSubscribers) end.publish(context);
}

/** The observed dial of `connection` ended: ready (no error) or failed. Nothing when none is observed. */
export function settleDial(connection: object, error: Error | undefined): void {
  const dial = dials.get(connection);
  if (dial === undefined) return;
  dials.delete(connection);
  publishSettled(channels().connect, dial.context, dial.startedAt, error);
}
