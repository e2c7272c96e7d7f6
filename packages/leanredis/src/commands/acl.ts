// @layer L2 commands
/**
 * ACL: users, their rules and the security log. Rules are the server's own text ("on",
 * ">password", "~cache:*", "+@read"...), passed through as given: the client does not parse or
 * build them, so every rule the server knows works. Errors never repeat them (a rule may hold a
 * password).
 */
import type { Arg } from '../resp/encoder.js';
import { checkInteger, invalid, listOf } from './arguments.js';
import { define, type ServerText, type Value } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { asString, toNumber, toRecord } from './replies.js';

/** Rules of one selector of a user (ACL GETUSER "selectors"), as rule text. */
export interface AclSelector {
  commands: ServerText;
  keys: ServerText;
  channels: ServerText;
}

/** A user as ACL GETUSER describes it. */
export interface AclUser {
  /** "on" or "off", "nopass", "skip-sanitize-payload"... */
  flags: ServerText[];
  /** SHA-256 hashes of the user's passwords (never the passwords). */
  passwords: ServerText[];
  /** Command rules, e.g. "+@all -debug". */
  commands: ServerText;
  /** Key patterns, e.g. "~*" or "%R~cache:*". */
  keys: ServerText;
  /** Channel patterns, e.g. "&*". */
  channels: ServerText;
  /** Further selectors (Redis 7): rule sets granting access on their own. */
  selectors: AclSelector[];
}

/** One ACL LOG entry: a refused command, key, channel or authentication. */
export interface AclLogEntry {
  /** How many times this same refusal happened (within 60 s, it is counted rather than logged again). */
  count: number;
  /** "command", "key", "channel" or "auth". */
  reason: ServerText;
  /** "toplevel", "multi", "lua" or "module". */
  context: ServerText;
  /** The command, key, channel or user name refused. */
  object: ServerText;
  username: ServerText;
  /** How long ago, in seconds (fractional). */
  ageSeconds: number;
  /** The client, as a CLIENT LIST line. */
  clientInfo: ServerText;
  /** Every field as the server sent it (newer servers add entry-id, timestamp-created...). */
  fields: Record<string, ServerText | number>;
}

function strings(reply: unknown): ServerText[] {
  return ((reply as unknown[] | null) ?? []).map(asString);
}

function toAclUser(reply: unknown): AclUser | null {
  if (reply === null) return null;
  const u = toRecord(reply);
  const selectors = ((u.selectors as unknown[] | undefined) ?? []).map((s) => {
    const r = toRecord(s);
    return { commands: asString(r.commands ?? ''), keys: asString(r.keys ?? ''), channels: asString(r.channels ?? '') };
  });
  return {
    flags: strings(u.flags),
    passwords: strings(u.passwords),
    commands: asString(u.commands ?? ''),
    keys: asString(u.keys ?? ''),
    channels: asString(u.channels ?? ''),
    selectors,
  };
}

function toLogEntry(reply: unknown): AclLogEntry {
  const fields = toRecord(reply, (v) => (typeof v === 'number' ? v : asString(v)));
  return {
    count: toNumber(fields.count),
    reason: asString(fields.reason),
    context: asString(fields.context),
    object: asString(fields.object),
    username: asString(fields.username),
    ageSeconds: toNumber(fields['age-seconds']),
    clientInfo: asString(fields['client-info']),
    fields,
  };
}

function userName(method: string, user: unknown): string {
  if (typeof user !== 'string' || user === '') invalid(method, 'expected a user name');
  return user;
}

/** ACL: users, rules, the security log. */
export interface AclCommands<K extends Kind> {
  /** ACL CAT [category]: the ACL categories, or the commands of one category. */
  aclCat(category?: string): Out<K, ServerText[]>;
  /** ACL DELUSER user [user ...]: how many of these users existed and were deleted. */
  aclDelUser(users: string | readonly string[]): Out<K, number>;
  /**
   * ACL DRYRUN user command [arg ...]: whether `user` may run this command line: "OK", or the
   * server's explanation of why not.
   */
  aclDryRun(user: string, commandLine: readonly Value[]): Out<K, ServerText>;
  /** ACL GENPASS [bits]: a random password from the server's entropy (256 bits as 64 hex characters by default). */
  aclGenPass(bits?: number): Out<K, ServerText>;
  /** ACL GETUSER user: the user's rules, or null when there is no such user. */
  aclGetUser(user: string): Out<K, AclUser | null>;
  /** ACL LIST: every user as an ACL file line ("user default on nopass ~* &* +@all"). */
  aclList(): Out<K, ServerText[]>;
  /** ACL LOAD: reloads users from the server's ACL file (fails when none is configured). */
  aclLoad(): Out<K, 'OK'>;
  /** ACL LOG [count]: the latest refusals, newest first (server default 10). */
  aclLog(count?: number): Out<K, AclLogEntry[]>;
  /** ACL LOG RESET: empties the security log. */
  aclLogReset(): Out<K, 'OK'>;
  /** ACL SAVE: writes users to the server's ACL file (fails when none is configured). */
  aclSave(): Out<K, 'OK'>;
  /** ACL SETUSER user [rule ...]: creates the user or applies rules to it ("on", ">secret", "~app:*", "+@read"...). */
  aclSetUser(user: string, rules?: readonly string[]): Out<K, 'OK'>;
  /** ACL USERS: the user names. */
  aclUsers(): Out<K, ServerText[]>;
  /** ACL WHOAMI: the user the connection running it is authenticated as. */
  aclWhoAmI(): Out<K, ServerText>;
}

/** The family's definitions, built on first use (see commands/index.ts). */
export const aclCommands = (): Definitions<AclCommands<DefinitionKind>> => ({
  aclCat: define('ACL CAT', { build: (category?: string) => (category === undefined ? [] : [category]), transform: strings, readOnly: true, keys: [] }),
  aclDelUser: define('ACL DELUSER', { build: (users: string | readonly string[]) => listOf('aclDelUser', 'user', users), keys: [] }),
  aclDryRun: define('ACL DRYRUN', {
    build: (user: string, commandLine: readonly Value[]) => {
      if (!Array.isArray(commandLine) || commandLine.length === 0) invalid('aclDryRun', 'expected the command line as a non-empty array, e.g. ["GET", "k"]');
      return [userName('aclDryRun', user), ...commandLine];
    },
    transform: asString,
    readOnly: true,
    keys: [],
  }),
  aclGenPass: define('ACL GENPASS', {
    build: (bits?: number) => (bits === undefined ? [] : [checkInteger('aclGenPass', 'bits', bits, 1, 4096)]),
    transform: asString,
    readOnly: true,
    keys: [],
  }),
  aclGetUser: define('ACL GETUSER', { build: (user: string) => [userName('aclGetUser', user)], transform: toAclUser, readOnly: true, keys: [] }),
  aclList: define('ACL LIST', { arity: 0, transform: strings, readOnly: true, keys: [] }),
  aclLoad: define('ACL LOAD', { arity: 0, keys: [] }),
  aclLog: define('ACL LOG', {
    build: (count?: number) => (count === undefined ? [] : [checkInteger('aclLog', 'count', count, 0)]),
    transform: (r) => (r as unknown[]).map(toLogEntry),
    readOnly: true,
    keys: [],
  }),
  aclLogReset: define('ACL LOG', { build: () => ['RESET'], keys: [] }),
  aclSave: define('ACL SAVE', { arity: 0, keys: [] }),
  aclSetUser: define('ACL SETUSER', {
    build: (user: string, rules?: readonly string[]) => {
      const out: Arg[] = [userName('aclSetUser', user)];
      if (rules !== undefined) {
        if (!Array.isArray(rules)) invalid('aclSetUser', 'rules must be an array of rule strings');
        for (const rule of rules) if (typeof rule !== 'string' || rule === '') invalid('aclSetUser', 'every rule must be a non-empty string');
        out.push(...rules);
      }
      return out;
    },
    keys: [],
  }),
  aclUsers: define('ACL USERS', { arity: 0, transform: strings, readOnly: true, keys: [] }),
  aclWhoAmI: define('ACL WHOAMI', { arity: 0, transform: asString, readOnly: true, keys: [] }),
});
