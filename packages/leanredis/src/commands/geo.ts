// @layer L2 commands
/**
 * Geospatial commands. Positions are stored in a sorted set as 52-bit geohashes, so a position
 * read back differs from the one written by up to about 0.6 m.
 *
 * Coordinates come back as bulk strings in RESP2 and may be doubles in RESP3; distances are
 * always bulk strings. Every reader goes through toNumber, so results are the same numbers
 * under both protocols.
 */
import type { Arg } from '../resp/encoder.js';
import { checkOptions, boolean, integer, oneOf, optionsSpec, type OptionCheck } from './check-options.js';
import { invalid, valueList } from './arguments.js';
import { define, TWO_KEYS, type Key, type ServerText, type Value } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { asStringOrNull, toNumber, toNumberOrNull } from './replies.js';

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
const any: OptionCheck = () => undefined; // checked by checkCoordinates / checkSize, which name the unit
const SEARCH = { order: oneOf('ASC', 'DESC'), count: integer(1), any: boolean };
const GEOADD_OPTIONS = optionsSpec({ condition: oneOf('NX', 'XX'), changed: boolean });
const SEARCH_OPTIONS = optionsSpec(SEARCH);
const SEARCH_WITH_OPTIONS = optionsSpec({ ...SEARCH, withCoord: boolean, withDist: boolean, withHash: boolean });
const SEARCH_STORE_OPTIONS = optionsSpec({ ...SEARCH, storeDist: boolean });
const FROM = optionsSpec({ member: any, longitude: any, latitude: any }, [['member', 'longitude'], ['member', 'latitude']]);
const BY = optionsSpec({ radius: any, width: any, height: any, unit: any }, [['radius', 'width'], ['radius', 'height']]);
const MEMBER = optionsSpec({ member: any, longitude: any, latitude: any });


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
function searchArgs(method: string, out: Arg[], from: GeoSearchFrom, by: GeoSearchBy, options: GeoSearchOptions | undefined, spec = SEARCH_OPTIONS): Arg[] {
  checkOptions(method, options, spec);
  if (typeof from !== 'object' || from === null) invalid(method, 'expected { member } or { longitude, latitude } as the origin');
  checkOptions(method, from, FROM, 'from.');
  if ('member' in from) out.push('FROMMEMBER', from.member);
  else out.push('FROMLONLAT', ...checkCoordinates(method, from.longitude, from.latitude));
  if (typeof by !== 'object' || by === null) invalid(method, 'expected { radius, unit } or { width, height, unit } as the area');
  checkOptions(method, by, BY, 'by.');
  if ('radius' in by) out.push('BYRADIUS', checkSize(method, 'radius', by.radius), checkUnit(method, by.unit));
  else out.push('BYBOX', checkSize(method, 'width', by.width), checkSize(method, 'height', by.height), checkUnit(method, by.unit));
  if (options === undefined) return out;
  if (options.order !== undefined) out.push(options.order);
  if (options.count !== undefined) {
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

/** Geospatial commands. */
export interface GeoCommands<K extends Kind> {
  /**
   * GEOADD key [NX|XX] [CH] longitude latitude member [...]: how many members were added (with
   * `changed`, added or moved).
   */
  geoAdd(key: Key, members: GeoMember | readonly GeoMember[], options?: GeoAddOptions): Out<K, number>;
  /** GEOPOS key member [member ...]: each member's position, null for a missing member. */
  geoPos(key: Key, members: Value | readonly Value[]): Out<K, (GeoCoordinates | null)[]>;
  /** GEODIST key member1 member2 [unit]: the distance in `unit` (default meters), or null when a member is missing. */
  geoDist(key: Key, member1: Value, member2: Value, unit?: GeoUnit): Out<K, number | null>;
  /** GEOHASH key member [member ...]: each member's 11-character geohash, null for a missing member. */
  geoHash(key: Key, members: Value | readonly Value[]): Out<K, (ServerText | null)[]>;
  /** GEOSEARCH key FROM... BY... [ASC|DESC] [COUNT n [ANY]]: the members found. */
  geoSearch(key: Key, from: GeoSearchFrom, by: GeoSearchBy, options?: GeoSearchOptions): Out<K, string[]>;
  /**
   * GEOSEARCH ... [WITHCOORD] [WITHDIST] [WITHHASH]: the members found with the details asked
   * for; at least one of withCoord, withDist and withHash is required (else use geoSearch).
   */
  geoSearchWith(key: Key, from: GeoSearchFrom, by: GeoSearchBy, options: GeoSearchWithOptions): Out<K, GeoSearchHit[]>;
  /**
   * GEOSEARCHSTORE destination source FROM... BY... [ASC|DESC] [COUNT n [ANY]] [STOREDIST]:
   * stores the members found as a sorted set in destination and replies with their number.
   */
  geoSearchStore(destination: Key, source: Key, from: GeoSearchFrom, by: GeoSearchBy, options?: GeoSearchStoreOptions): Out<K, number>;
}

/** The family's definitions, built on first use (see commands/index.ts). */
export const geoCommands = (): Definitions<GeoCommands<DefinitionKind>> => ({
  geoAdd: define('GEOADD', {
    build: (key: Key, members: GeoMember | readonly GeoMember[], options?: GeoAddOptions) => {
      checkOptions('geoAdd', options, GEOADD_OPTIONS);
      const out: Arg[] = [key];
      if (options?.condition !== undefined) out.push(options.condition);
      if (options?.changed) out.push('CH');
      const list: readonly GeoMember[] = Array.isArray(members) ? members : [members as GeoMember];
      if (list.length === 0) invalid('geoAdd', 'expected at least one member, got an empty array');
      for (const m of list) {
        if (typeof m !== 'object' || m === null) invalid('geoAdd', 'expected members as { longitude, latitude, member }');
        checkOptions('geoAdd', m, MEMBER, 'member.');
        out.push(...checkCoordinates('geoAdd', m.longitude, m.latitude), m.member);
      }
      return out;
    },
  }),
  geoPos: define('GEOPOS', {
    build: (key: Key, members: Value | readonly Value[]) => [key, ...valueList('geoPos', 'member', members)],
    transform: (r) => (r as unknown[]).map(toCoordinates),
    readOnly: true,
  }),
  geoDist: define('GEODIST', {
    build: (key: Key, member1: Value, member2: Value, unit?: GeoUnit) =>
      unit === undefined ? [key, member1, member2] : [key, member1, member2, checkUnit('geoDist', unit)],
    transform: toNumberOrNull,
    readOnly: true,
  }),
  geoHash: define('GEOHASH', {
    build: (key: Key, members: Value | readonly Value[]) => [key, ...valueList('geoHash', 'member', members)],
    transform: (r) => (r as unknown[]).map(asStringOrNull),
    readOnly: true,
  }),
  geoSearch: define('GEOSEARCH', {
    build: (key: Key, from: GeoSearchFrom, by: GeoSearchBy, options?: GeoSearchOptions) => searchArgs('geoSearch', [key], from, by, options),
    readOnly: true,
  }),
  geoSearchWith: define('GEOSEARCH', {
    build: (key: Key, from: GeoSearchFrom, by: GeoSearchBy, options: GeoSearchWithOptions) => {
      const out = searchArgs('geoSearchWith', [key], from, by, options, SEARCH_WITH_OPTIONS);
      if (!options?.withCoord && !options?.withDist && !options?.withHash) {
        invalid('geoSearchWith', 'give at least one of withCoord, withDist and withHash (or use geoSearch)');
      }
      if (options.withCoord) out.push('WITHCOORD');
      if (options.withDist) out.push('WITHDIST');
      if (options.withHash) out.push('WITHHASH');
      return out;
    },
    transform: (r) => (r as unknown[]).map(toHit),
    readOnly: true,
  }),
  geoSearchStore: define('GEOSEARCHSTORE', {
    build: (destination: Key, source: Key, from: GeoSearchFrom, by: GeoSearchBy, options?: GeoSearchStoreOptions) => {
      const out = searchArgs('geoSearchStore', [destination, source], from, by, options, SEARCH_STORE_OPTIONS);
      if (options?.storeDist) out.push('STOREDIST');
      return out;
    },
    keys: TWO_KEYS,
  }),
});
