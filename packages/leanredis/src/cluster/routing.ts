// @layer L5 cluster
/**
 * Which slot a command goes to, and what a redirection answer says. A command's keys come from
 * its definition's key specs (commands/key-positions.ts, checked against COMMAND GETKEYS);
 * every key must hash to the same slot, else the command is refused before it is sent.
 */
import type { Arg } from '../resp/encoder.js';
import type { CommandDefinition } from '../commands/define.js';
import { keyIndexes } from '../commands/key-positions.js';
import { keySlot } from '../internal/crc16.js';
import { parseAddress, type NodeAddress } from './slot-map.js';

/** The command has no key: any master may run it. */
export const ANY_SLOT = -1;
/** The command is not in the table, so its keys are unknown: sent to any master, MOVED corrects it. */
export const UNKNOWN_SLOT = -2;
/** The keys hash to different slots: the command must be refused (ERR_CROSS_SLOT). */
export const CROSS_SLOT = -3;

/** The slot of a command's keys; ANY_SLOT without keys; CROSS_SLOT when they differ. */
export function commandSlot(definition: CommandDefinition, args: readonly Arg[]): number {
  const indexes = keyIndexes(definition, args);
  if (indexes === undefined) return UNKNOWN_SLOT;
  if (indexes.length === 0) return ANY_SLOT;
  const slot = keySlot(args[indexes[0]] as string | Buffer);
  for (let i = 1; i < indexes.length; i++) {
    if (keySlot(args[indexes[i]] as string | Buffer) !== slot) return CROSS_SLOT;
  }
  return slot;
}

/** The slot shared by several commands (a transaction, WATCH): ANY_SLOT when none has a key, CROSS_SLOT when they differ. */
export function sharedSlot(slots: readonly number[]): number {
  let slot = ANY_SLOT;
  for (const s of slots) {
    if (s === CROSS_SLOT) return CROSS_SLOT;
    if (s < 0) continue;
    if (slot === ANY_SLOT) slot = s;
    else if (s !== slot) return CROSS_SLOT;
  }
  return slot;
}

/** A MOVED or ASK answer: `MOVED 3999 127.0.0.1:6381`. */
export interface Redirect {
  kind: 'MOVED' | 'ASK';
  slot: number;
  target: NodeAddress;
}

/** Reads a MOVED/ASK error line (`fallbackHost`: the answering node's, for an empty host); undefined for anything else. */
export function parseRedirect(code: string, message: string, fallbackHost: string): Redirect | undefined {
  if (code !== 'MOVED' && code !== 'ASK') return undefined;
  const parts = message.split(' ');
  if (parts.length < 3) return undefined;
  const slot = Number(parts[1]);
  const target = parseAddress(parts[2], fallbackHost);
  if (!Number.isInteger(slot) || target === undefined) return undefined;
  return { kind: code, slot, target };
}
