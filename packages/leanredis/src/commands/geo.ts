/**
 * Geospatial commands. Positions are stored in a sorted set as 52-bit geohashes, so a position
 * read back differs from the one written by up to about 0.6 m.
 *
 * Coordinates come back as bulk strings in RESP2 and may be doubles in RESP3; distances are
 * always bulk strings. Every reader goes through toNumber, so results are the same numbers
 * under both protocols.
 */
import type { Arg } from '../resp/encoder.js';
import { define, asString, toNumber, invalid, type Key, type Value } from './define.js';

/** Distance units: meters, kilometers, miles, feet. */
export type GeoUnit = 'm' | 'km' | 'mi' | 'ft';

/** A position in degrees (WGS 84). */
export interface GeoCoordinates {
  /** From -180 to 180 (degrees). */
  longitude: number;
  /** From -85.05112878 to 85.05112878 (degrees): the poles cannot be indexed. */
  latitude: number;
}

/** A member and where it is, for GEOADD. */
export interface GeoMember extends GeoCoordinates {
  member: Value;
}

export interface GeoAddOptions {
  /** Only add new members (NX) or only update existing ones (XX). @default both */
  condition?: 'NX' | 'XX';
  /** Reply with the number of members added or moved instead of only added (CH). @default false */
  changed?: boolean;
}

/** Where a search is centered: at a member's position (FROMMEMBER) or at a point (FROMLONLAT). */
export type GeoSearchFrom = { member: Value } | GeoCoordinates;

/** The search area: a circle (BYRADIUS) or an axis-aligned box centered on the origin (BYBOX). */
export type GeoSearchBy = { radius: number; unit: GeoUnit } | { width: number; height: number; unit: GeoUnit };

export interface GeoSearchOptions {
  /** Sort by distance from the origin, nearest first (ASC) or farthest first (DESC). @default unsorted */
  order?: 'ASC' | 'DESC';
  /** Return at most this many members (COUNT); a positive integer. @default all */
  count?: number;
  /** With `count`: stop as soon as enough members are found, not the nearest ones (ANY). @default false */
  any?: boolean;
}

export interface GeoSearchWithOptions extends GeoSearchOptions {
  /** Include each member's coordinates (WITHCOORD). @default false */
  withCoord?: boolean;
  /** Include each member's distance from the origin, in the search unit (WITHDIST). @default false */
  withDist?: boolean;
  /** Include each member's raw 52-bit geohash score (WITHHASH). @default false */
  withHash?: boolean;
}

export interface GeoSearchStoreOptions extends GeoSearchOptions {
  /** Store distances from the origin (in the search unit) as scores instead of geohashes (STOREDIST). @default false */
  storeDist?: boolean;
}

/** A search hit; the optional fields are present when their WITH* option was given. */
export interface GeoSearchHit {
  member: string;
  /** Distance from the origin in the search unit (WITHDIST). */
  distance?: number;
  /** The 52-bit geohash score (WITHHASH). */
  hash?: number;
  /** Position (WITHCOORD). */
  coordinates?: GeoCoordinates;
}

const MAX_LATITUDE = 85.05112878;
const UNITS: ReadonlySet<string> = new Set(['m', 'km', 'mi', 'ft']);


function checkCoordinates(method: string, longitude: unknown, latitude: unknown): [number, number] {
  if (typeof longitude !== 'number' || !(longitude >= -180 && longitude <= 180)) {
    invalid(method, `longitude must be a number from -180 to 180 (degrees), got ${typeof longitude}`);
  }
  if (typeof latitude !== 'number' || !(latitude >= -MAX_LATITUDE && latitude <= MAX_LATITUDE)) {
    invalid(method, `latitude must be a number from -${MAX_LATITUDE} to ${MAX_LATITUDE} (degrees), got ${typeof latitude}`);
  }
  return [longitude, latitude];
}

function checkUnit(method: string, unit: unknown): GeoUnit {
  if (!UNITS.has(unit as string)) invalid(method, 'unit must be "m", "km", "mi" or "ft"');
  return unit as GeoUnit;
}

function checkSize(method: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) invalid(method, `${name} must be a finite number >= 0`);
  return value;
}

/** FROM..., BY..., ASC|DESC and COUNT [ANY], shared by GEOSEARCH and GEOSEARCHSTORE. */
function searchArgs(method: string, out: Arg[], from: GeoSearchFrom, by: GeoSearchBy, options: GeoSearchOptions | undefined): Arg[] {
  if (typeof from !== 'object' || from === null) invalid(method, 'expected { member } or { longitude, latitude } as the origin');
  if ('member' in from) out.push('FROMMEMBER', from.member);
  else out.push('FROMLONLAT', ...checkCoordinates(method, from.longitude, from.latitude));
  if (typeof by !== 'object' || by === null) invalid(method, 'expected { radius, unit } or { width, height, unit } as the area');
  if ('radius' in by) out.push('BYRADIUS', checkSize(method, 'radius', by.radius), checkUnit(method, by.unit));
  else out.push('BYBOX', checkSize(method, 'width', by.width), checkSize(method, 'height', by.height), checkUnit(method, by.unit));
  if (options === undefined) return out;
  if (options.order !== undefined) {
    if (options.order !== 'ASC' && options.order !== 'DESC') invalid(method, 'order must be "ASC" or "DESC"');
    out.push(options.order);
  }
  if (options.count !== undefined) {
    if (!Number.isSafeInteger(options.count) || options.count < 1) invalid(method, `count must be a positive integer, got ${String(options.count)}`);
    out.push('COUNT', options.count);
    if (options.any) out.push('ANY');
  } else if (options.any) {
    invalid(method, 'any needs a count');
  }
  return out;
}

function toCoordinates(reply: unknown): GeoCoordinates | null {
  if (!Array.isArray(reply)) return null;
  return { longitude: toNumber(reply[0]), latitude: toNumber(reply[1]) };
}

/**
 * Reads one WITH* hit. The reply does not say which options were asked for, and a transform
 * sees only the reply, so each extra is recognized by its shape, in the server's fixed order
 * (geo.c): the distance is a bulk string, the hash an integer, the coordinates a pair.
 */
function toHit(reply: unknown): GeoSearchHit {
  if (!Array.isArray(reply)) return { member: reply as string };
  const hit: GeoSearchHit = { member: reply[0] as string };
  for (let i = 1; i < reply.length; i++) {
    const extra: unknown = reply[i];
    if (Array.isArray(extra)) hit.coordinates = toCoordinates(extra) ?? undefined;
    else if (typeof extra === 'number' || typeof extra === 'bigint') hit.hash = Number(extra);
    else hit.distance = toNumber(extra);
  }
  return hit;
}

/** The family's definitions, built on first use (see commands/index.ts). */
export const geoCommands = () => ({
  /**
   * GEOADD key [NX|XX] [CH] longitude latitude member [...]: how many members were added (with
   * `changed`, added or moved).
   */
  geoAdd: define('GEOADD', {
    build: (key: Key, members: GeoMember[], options?: GeoAddOptions) => {
      if (!Array.isArray(members) || members.length === 0) invalid('geoAdd', 'expected at least one member');
      const out: Arg[] = [key];
      if (options?.condition !== undefined) {
        if (options.condition !== 'NX' && options.condition !== 'XX') invalid('geoAdd', 'condition must be "NX" or "XX"');
        out.push(options.condition);
      }
      if (options?.changed) out.push('CH');
      for (const m of members) out.push(...checkCoordinates('geoAdd', m?.longitude, m?.latitude), m.member);
      return out;
    },
    transform: (r) => r as number,
  }),
  /** GEOPOS key [member ...]: each member's position, null for a missing member. */
  geoPos: define('GEOPOS', {
    build: (key: Key, members: Value[]) => [key, ...members],
    transform: (r) => (r as unknown[]).map(toCoordinates),
    readOnly: true,
  }),
  /** GEODIST key member1 member2 [unit]: the distance in `unit` (default meters), or null when a member is missing. */
  geoDist: define('GEODIST', {
    build: (key: Key, member1: Value, member2: Value, unit?: GeoUnit) =>
      unit === undefined ? [key, member1, member2] : [key, member1, member2, checkUnit('geoDist', unit)],
    transform: (r) => (r === null ? null : toNumber(r)),
    readOnly: true,
  }),
  /** GEOHASH key [member ...]: each member's 11-character geohash, null for a missing member. */
  geoHash: define('GEOHASH', {
    build: (key: Key, members: Value[]) => [key, ...members],
    transform: (r) => (r as unknown[]).map((h) => (h === null ? null : asString(h))),
    readOnly: true,
  }),
  /** GEOSEARCH key FROM... BY... [ASC|DESC] [COUNT n [ANY]]: the members found. */
  geoSearch: define('GEOSEARCH', {
    build: (key: Key, from: GeoSearchFrom, by: GeoSearchBy, options?: GeoSearchOptions) => searchArgs('geoSearch', [key], from, by, options),
    transform: (r) => r as string[],
    readOnly: true,
  }),
  /**
   * GEOSEARCH ... [WITHCOORD] [WITHDIST] [WITHHASH]: the members found with the details asked
   * for; at least one of withCoord, withDist and withHash is required (else use geoSearch).
   */
  geoSearchWith: define('GEOSEARCH', {
    build: (key: Key, from: GeoSearchFrom, by: GeoSearchBy, options: GeoSearchWithOptions) => {
      if (!options?.withCoord && !options?.withDist && !options?.withHash) {
        invalid('geoSearchWith', 'give at least one of withCoord, withDist and withHash (or use geoSearch)');
      }
      const out = searchArgs('geoSearchWith', [key], from, by, options);
      if (options.withCoord) out.push('WITHCOORD');
      if (options.withDist) out.push('WITHDIST');
      if (options.withHash) out.push('WITHHASH');
      return out;
    },
    transform: (r) => (r as unknown[]).map(toHit),
    readOnly: true,
  }),
  /**
   * GEOSEARCHSTORE destination source FROM... BY... [ASC|DESC] [COUNT n [ANY]] [STOREDIST]:
   * stores the members found as a sorted set in destination and replies with their number.
   */
  geoSearchStore: define('GEOSEARCHSTORE', {
    build: (destination: Key, source: Key, from: GeoSearchFrom, by: GeoSearchBy, options?: GeoSearchStoreOptions) => {
      const out = searchArgs('geoSearchStore', [destination, source], from, by, options);
      if (options?.storeDist) out.push('STOREDIST');
      return out;
    },
    transform: (r) => r as number,
  }),
});
