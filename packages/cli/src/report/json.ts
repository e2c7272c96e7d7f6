/**
 * The `--json` view of a result. Every result object a command measures carries `kind` and
 * `schemaVersion`, so a file saved today can be read back (bench's before/after, a CI diff)
 * and a reader can refuse what it does not understand.
 */
import type { OutputStream } from '../command.js';

/** Fields every result object carries. */
export interface ResultHeader {
  /** What produced it: `cost`, `deps-diff`, `deps-why`, `memory`, `bench`, `profile`. */
  readonly kind: string;
  /** Bumped when a field changes meaning or disappears (adding a field does not bump it). */
  readonly schemaVersion: number;
  /** The doctor's version that wrote it. */
  readonly tool: string;
  /** ISO time the measurement finished. */
  readonly createdAt: string;
  /** `process.version` of the doctor. */
  readonly node: string;
}

/** The doctor's own version, from its package.json, set by the build. */
declare const __DOCTOR_VERSION__: string | undefined;
/** The doctor's version, or `dev` when running from the sources. */
export const DOCTOR_VERSION: string = typeof __DOCTOR_VERSION__ === 'string' ? __DOCTOR_VERSION__ : 'dev';

/** Builds the header for a result of `kind`. */
export function resultHeader(kind: string, schemaVersion = 1): ResultHeader {
  return { kind, schemaVersion, tool: `leanredis-doctor ${DOCTOR_VERSION}`, createdAt: new Date().toISOString(), node: process.version };
}

/** Writes `result` as pretty JSON with a final newline. */
export function writeJson(stream: OutputStream, result: object): void {
  stream.write(`${JSON.stringify(result, null, 2)}\n`);
}
