/**
 * Number formatting shared by the terminal tables and the HTML report, so both views of a
 * result print a figure the same way. Bytes are binary (KiB = 1024 B) as Node and V8 report them.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `4194304` → `4.00 MiB`; `812` → `812 B`. Three significant digits above 1 KiB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const sign = bytes < 0 ? '-' : '';
  let n = Math.abs(bytes);
  let unit = 0;
  while (n >= 1024 && unit < UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  if (unit === 0) return `${sign}${Math.round(n)} B`;
  return `${sign}${n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)} ${UNITS[unit]}`;
}

/** Like {@link formatBytes} with an explicit `+` on growth, for deltas. */
export function formatBytesDelta(bytes: number): string {
  return bytes > 0 ? `+${formatBytes(bytes)}` : formatBytes(bytes);
}

/** `12.345` → `12.3 ms`; under 1 ms with two decimals. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  return `${Math.abs(ms) < 1 ? ms.toFixed(2) : Math.abs(ms) < 100 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
}

/** `0.0812` → `8.1%`. */
export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return String(ratio);
  return `${(ratio * 100).toFixed(Math.abs(ratio) < 0.1 ? 1 : 0)}%`;
}

/** `0.0812` → `+8.1%`: a change, signed. */
export function formatChange(ratio: number): string {
  return ratio > 0 ? `+${formatPercent(ratio)}` : formatPercent(ratio);
}

/** `1234567` → `1,234,567`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
