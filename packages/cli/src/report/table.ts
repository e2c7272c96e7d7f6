/**
 * Plain-text tables for the terminal: columns padded to their widest cell, numbers aligned
 * right, a rule under the header. No colours and no box-drawing, so the output survives a
 * pipe, a CI log and a copy into an issue.
 */

/** One column of a {@link renderTable} table. */
export interface Column {
  /** Header text. */
  readonly title: string;
  /** `right` for figures. @default 'left' */
  readonly align?: 'left' | 'right';
}

/** A row: one cell per column; a row of `null` draws a rule (before a totals row, say). */
export type Row = readonly string[] | null;

/** Renders a table; each line ends with `\n`. Cells longer than others widen their column. */
export function renderTable(columns: readonly Column[], rows: readonly Row[], options: { indent?: number } = {}): string {
  const widths = columns.map((c) => c.title.length);
  for (const row of rows) {
    if (row === null) continue;
    if (row.length !== columns.length) throw new Error(`table row has ${row.length} cells for ${columns.length} columns`);
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i], cell.length)));
  }
  const pad = ' '.repeat(options.indent ?? 0);
  const line = (cells: readonly string[]) =>
    pad +
    cells
      .map((cell, i) => (columns[i].align === 'right' ? cell.padStart(widths[i]) : i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd() +
    '\n';
  const rule = pad + widths.map((w) => '-'.repeat(w)).join('  ') + '\n';
  let out = line(columns.map((c) => c.title)) + rule;
  for (const row of rows) out += row === null ? rule : line(row);
  return out;
}
