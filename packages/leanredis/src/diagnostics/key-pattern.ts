// @layer L7 diagnostics
/**
 * L7 diagnostics: the pattern of a key, for "key patterns by total size": segments that look
 * like identifiers (numbers, UUIDs, long hex, long tokens with digits) become `*`, the rest is
 * kept, so `user:1042:profile` and `user:77:profile` both count as `user:*:profile`.
 */

// Separators commonly used in key names; a hash tag's braces count as separators too.
const SEPARATOR = /([:/.|#,;{}=@\s-]+)/;
const NUMBER = /^-?\d+(\.\d+)?$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HEX = /^(0x)?[0-9a-f]{8,}$/i;
// Tokens (ULIDs, base64 ids, session ids): long, and with at least one digit.
const TOKEN = /^(?=.*\d)[A-Za-z0-9_+]{12,}$/;

/** Whether a key segment looks like an identifier rather than a name. */
export function isIdentifier(segment: string): boolean {
  return NUMBER.test(segment) || UUID.test(segment) || HEX.test(segment) || TOKEN.test(segment);
}

/** The key with its identifier-like segments replaced by `*`. */
export function patternOf(key: string): string {
  // UUIDs contain '-', a separator: match them whole first.
  const withoutUuids = key.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '*');
  return withoutUuids
    .split(SEPARATOR)
    .map((part, i) => (i % 2 === 1 || part === '' || part === '*' ? part : isIdentifier(part) ? '*' : part))
    .join('');
}
