/**
 * The command table and the types every executor derives from it. Adding a command means
 * adding one entry to a family file; client, lease, pipeline and transaction pick it up.
 */
import type { CommandDefinition } from './define.js';
import { stringCommands } from './strings.js';
import { keyCommands } from './keys.js';
import { hashCommands } from './hashes.js';
import { setCommands } from './sets.js';
import { sortedSetCommands } from './sorted-sets.js';
import { sortedSetRangeCommands } from './sorted-sets-range.js';
import { listCommands } from './lists.js';
import { hyperLogLogCommands } from './hyperloglog.js';
import { bitmapCommands } from './bitmaps.js';
import { geoCommands } from './geo.js';
import { serverCommands } from './server.js';
import { scriptingCommands } from './scripting.js';

export const COMMANDS = {
  ...stringCommands,
  ...keyCommands,
  ...hashCommands,
  ...setCommands,
  ...sortedSetCommands,
  ...sortedSetRangeCommands,
  ...listCommands,
  ...hyperLogLogCommands,
  ...bitmapCommands,
  ...geoCommands,
  ...serverCommands,
  ...scriptingCommands,
};

export type CommandTable = typeof COMMANDS;
export type CommandName = keyof CommandTable;

/** The method parameters of a command definition. */
export type ArgsOf<D> = D extends CommandDefinition<infer A, infer _R> ? A : never;
/** The resolved value of a command definition. */
export type ReplyOf<D> = D extends CommandDefinition<infer _A, infer R> ? R : never;

/** Replaces `string` by `Buffer` in a reply type (returnBuffers); literal types like "OK" stay. */
export type ToBuffers<T> = T extends string
  ? string extends T
    ? Buffer
    : T
  : T extends readonly unknown[]
    ? { [K in keyof T]: ToBuffers<T[K]> }
    : T extends Buffer | number | bigint | boolean | null | undefined | Error
      ? T
      : T extends object
        ? { [K in keyof T]: ToBuffers<T[K]> }
        : T;

/** The reply type of a command for a client whose bulk strings are `S`. */
export type Reply<R, S> = S extends string ? R : ToBuffers<R>;

/** Typed command methods for an executor whose methods return promises. */
export type Commands<S = string> = {
  [K in CommandName]: (...args: ArgsOf<CommandTable[K]>) => Promise<Reply<ReplyOf<CommandTable[K]>, S>>;
};

/** The funnel every executor implements: send one command definition with its method arguments. */
export const SEND: unique symbol = Symbol('leanredis.send');

export interface Executor {
  [SEND](definition: CommandDefinition, args: unknown[]): unknown;
}

/** Installs every command of the table as a method that calls `this[SEND]`. */
export function installCommands(target: { prototype: object }): void {
  for (const name of Object.keys(COMMANDS) as CommandName[]) {
    const definition = COMMANDS[name] as CommandDefinition;
    Object.defineProperty(target.prototype, name, {
      value: function (this: Executor, ...args: unknown[]) {
        return this[SEND](definition, args);
      },
      writable: true,
      configurable: true,
    });
  }
}
