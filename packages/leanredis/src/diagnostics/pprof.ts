// @layer L7 diagnostics
/**
 * L7 diagnostics: encodes a profile in pprof's format (github.com/google/pprof,
 * proto/profile.proto), the one `go tool pprof`, Pyroscope, Grafana and Datadog read. Input is
 * generic: samples with a stack of frames (leaf first) and one value per sample type. Frames
 * become one Function per (name, file, line) and one Location per Function (pprof Line: the
 * function and its line); strings are interned in the string table, whose entry 0 is "".
 *
 * Field numbers (profile.proto): Profile 1 sample_type, 2 sample, 4 location, 5 function,
 * 6 string_table, 9 time_nanos, 10 duration_nanos, 11 period_type, 12 period, 13 comment,
 * 14 default_sample_type; ValueType 1 type, 2 unit; Sample 1 location_id (packed), 2 value
 * (packed); Location 1 id, 4 line; Line 1 function_id, 2 line, 3 column; Function 1 id,
 * 2 name, 3 system_name, 4 filename, 5 start_line.
 */
import { ProtobufWriter } from './protobuf-writer.js';

/** One stack frame: a function, the file that defines it and the line where it starts. */
export interface ProfileFrame {
  /** Function name; "(anonymous)" for an unnamed function. */
  functionName: string;
  /** Path or URL of the script ("" for V8 built-ins such as `Array.prototype.push`). */
  file: string;
  /** Line of the function's definition, 1-based; 0 when unknown. */
  line: number;
  /** Column of the function's definition, 1-based; 0 when unknown. */
  column: number;
}

/** One aggregated stack with one value per sample type. */
export interface ProfileSample {
  /** Frames, the leaf (the allocating function) first. */
  stack: readonly ProfileFrame[];
  values: readonly number[];
}

export interface PprofInput {
  sampleTypes: readonly { type: string; unit: string }[];
  samples: readonly ProfileSample[];
  periodType: { type: string; unit: string };
  period: number;
  /** Start of the capture (ns since the epoch). */
  timeNanos: bigint;
  durationNanos: number;
  /** Free-text notes shown by `go tool pprof -comments`. */
  comments: readonly string[];
  /** The sample type tools show by default. */
  defaultSampleType: string;
}

/** Encodes `input` as an (uncompressed) profile.proto message. */
export function encodePprof(input: PprofInput): Buffer {
  const strings = new Map<string, number>([['', 0]]);
  const intern = (s: string): number => {
    let i = strings.get(s);
    if (i === undefined) {
      i = strings.size;
      strings.set(s, i);
    }
    return i;
  };
  const out = new ProtobufWriter(64 * 1024);
  const valueType = (field: number, t: { type: string; unit: string }): void => {
    const w = new ProtobufWriter(16);
    w.uint(1, intern(t.type));
    w.uint(2, intern(t.unit));
    out.message(field, w);
  };
  for (const t of input.sampleTypes) valueType(1, t);

  // Frame key -> location id (== function id: one Location per Function, line-level only).
  const frameIds = new Map<string, number>();
  const frames: ProfileFrame[] = [];
  const idOf = (f: ProfileFrame): number => {
    const key = `${f.functionName}\0${f.file}\0${f.line}\0${f.column}`;
    let id = frameIds.get(key);
    if (id === undefined) {
      frames.push(f);
      id = frames.length;
      frameIds.set(key, id);
    }
    return id;
  };
  for (const s of input.samples) {
    const w = new ProtobufWriter(s.stack.length * 2 + 32);
    w.packed(1, s.stack.map(idOf));
    w.packed(2, s.values.map((v) => Math.round(v)));
    out.message(2, w);
  }
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    const line = new ProtobufWriter(16);
    line.uint(1, i + 1);
    line.uint(2, f.line);
    line.uint(3, f.column);
    const location = new ProtobufWriter(24);
    location.uint(1, i + 1);
    location.message(4, line);
    out.message(4, location);
  }
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    const fn = new ProtobufWriter(24);
    fn.uint(1, i + 1);
    fn.uint(2, intern(f.functionName));
    fn.uint(3, intern(f.functionName));
    fn.uint(4, intern(f.file));
    fn.uint(5, f.line);
    out.message(5, fn);
  }
  const comments = input.comments.map(intern);
  const defaultType = intern(input.defaultSampleType);
  const periodType = { type: intern(input.periodType.type), unit: intern(input.periodType.unit) };
  // Every string is interned by now: the table can be written.
  for (const s of strings.keys()) out.string(6, s);
  out.uint(9, input.timeNanos);
  out.uint(10, input.durationNanos);
  const pt = new ProtobufWriter(16);
  pt.uint(1, periodType.type);
  pt.uint(2, periodType.unit);
  out.message(11, pt);
  out.uint(12, input.period);
  out.packed(13, comments);
  out.uint(14, defaultType);
  return out.finish();
}
