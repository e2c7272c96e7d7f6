/**
 * Terminal views of `deps diff` and `deps why` results (the same objects --json prints).
 */
import type { DepsDiffResult, PackageChange, ReportedSize } from '../lockfile/lock-diff.js';
import type { DepsWhyResult } from '../lockfile/lock-why.js';
import { formatBytes, formatBytesDelta } from './format.js';
import { renderTable } from './table.js';

const size = (s: ReportedSize | null): string => (s === null ? '?' : formatBytes(s.bytes));
const flags = (c: { flavour: string; hasInstallScript: boolean }): string => [c.flavour === 'prod' ? '' : c.flavour, c.hasInstallScript ? 'install script' : ''].filter(Boolean).join(', ');
const brought = (list: readonly string[]): string => (list.length === 0 ? '(none)' : list.join(', '));
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function changeTable(list: readonly PackageChange[]): string {
  return renderTable(
    [{ title: 'package' }, { title: 'version' }, { title: 'brought in by' }, { title: 'exclusive' }, { title: 'unpacked', align: 'right' }, { title: 'notes' }],
    list.map((c) => [c.name, c.version, brought(c.broughtBy), c.isExclusive ? 'yes' : 'shared', size(c.size), [flags(c), c.paths.length > 1 ? `${c.paths.length} copies` : ''].filter(Boolean).join(', ')]),
    { indent: 2 },
  );
}

function otherPlatforms(list: readonly PackageChange[]): string {
  if (list.length === 0) return '';
  const names = list.map((c) => `${c.name}@${c.version}`);
  const shown = names.length > 4 ? `${names.slice(0, 4).join(', ')}, ...` : names.join(', ');
  return `  + ${plural(list.length, 'optional package')} for other platforms, not installed here: ${shown}\n`;
}

/** The terminal report of `deps diff`. */
export function renderDepsDiff(r: DepsDiffResult): string {
  let out = `deps diff: ${r.before.file} (v${r.before.lockfileVersion}, ${r.before.packages} packages) -> ${r.after.file} (v${r.after.lockfileVersion}, ${r.after.packages} packages)\n`;
  if (r.directDependencies.added.length > 0) out += `direct dependencies added: ${r.directDependencies.added.join(', ')}\n`;
  if (r.directDependencies.removed.length > 0) out += `direct dependencies removed: ${r.directDependencies.removed.join(', ')}\n`;
  const section = (title: string, body: string) => (out += `\n${title}\n${body}`);
  const addedHere = r.added.filter((c) => c.isForThisPlatform);
  const removedHere = r.removed.filter((c) => c.isForThisPlatform);
  if (r.added.length > 0) section(`added (${addedHere.length})`, (addedHere.length > 0 ? changeTable(addedHere) : '') + otherPlatforms(r.added.filter((c) => !c.isForThisPlatform)));
  if (r.removed.length > 0) section(`removed (${removedHere.length})`, (removedHere.length > 0 ? changeTable(removedHere) : '') + otherPlatforms(r.removed.filter((c) => !c.isForThisPlatform)));
  if (r.changed.length > 0)
    section(
      `changed (${r.changed.length})`,
      renderTable(
        [{ title: 'package' }, { title: 'before' }, { title: 'after' }, { title: 'brought in by' }, { title: 'unpacked before', align: 'right' }, { title: 'after', align: 'right' }, { title: 'change', align: 'right' }],
        r.changed.map((c) => [c.name, c.before.join(', '), c.after.join(', '), brought(c.broughtBy), size(c.sizeBefore), size(c.sizeAfter), c.sizeBefore && c.sizeAfter ? formatBytesDelta(c.sizeAfter.bytes - c.sizeBefore.bytes) : '?']),
        { indent: 2 },
      ),
    );
  if (r.newDuplicates.length > 0)
    section(
      `new duplicate versions (${r.newDuplicates.length})`,
      renderTable(
        [{ title: 'package' }, { title: 'before' }, { title: 'after: version <- brought in by' }],
        r.newDuplicates.map((d) => [d.name, d.before.join(', ') || '-', d.after.map((v) => `${v} <- ${brought(d.broughtBy[v] ?? [])}`).join('; ')]),
        { indent: 2 },
      ),
    );
  if (r.newInstallScripts.length > 0)
    section(
      `new install scripts (${r.newInstallScripts.length}): run by npm install unless --ignore-scripts`,
      renderTable(
        [{ title: 'package' }, { title: 'version' }, { title: 'brought in by' }, { title: 'for this platform' }],
        r.newInstallScripts.map((c) => [c.name, c.version, brought(c.broughtBy), c.isForThisPlatform ? 'yes' : 'no']),
        { indent: 2 },
      ),
    );
  if (r.byDirectDependency.length > 0)
    section(
      'added packages by direct dependency',
      renderTable(
        [{ title: 'dependency' }, { title: 'exclusive', align: 'right' }, { title: 'unpacked', align: 'right' }, { title: 'shared', align: 'right' }, { title: 'unpacked', align: 'right' }],
        r.byDirectDependency.map((d) => [d.dependency, String(d.exclusive), formatBytes(d.exclusiveBytes), String(d.shared), formatBytes(d.sharedBytes)]),
        { indent: 2 },
      ),
    );
  const t = r.totals;
  if (t.added + t.removed + t.changed + t.otherPlatform === 0) out += '\nno package added, removed or changed\n';
  out += `\ntotal: +${t.added} added, -${t.removed} removed, ${t.changed} changed; unpacked ${formatBytesDelta(t.netBytes)} (added ${formatBytesDelta(t.addedBytes)}, removed ${formatBytesDelta(-t.removedBytes)}, changed ${formatBytesDelta(t.changedBytes)})\n`;
  if (t.unknownSizes > 0) out += `sizes unknown for ${plural(t.unknownSizes, 'package')}: not in node_modules nor in the npm cache (npm install or npm cache add fetches them)\n`;
  return out;
}

/** The terminal report of `deps why`. */
export function renderDepsWhy(r: DepsWhyResult): string {
  let out = `deps why ${r.name}${r.version ? `@${r.version}` : ''} (${r.lockfile}): ${r.copies.length} installed ${r.copies.length === 1 ? 'copy' : 'copies'}\n`;
  for (const c of r.copies) {
    out += `\n${r.name}@${c.version}  ${c.path}${c.isForThisPlatform ? '' : '  (for another platform: not installed here)'}\n`;
    out += `  ${c.declaredBy.length > 0 ? `direct dependency of ${c.declaredBy.join(', ')}` : 'transitive'}; ${c.broughtBy.length <= 1 ? `exclusive to ${brought(c.broughtBy)}` : `shared by ${c.broughtBy.length} direct dependencies: ${c.broughtBy.join(', ')}`}\n`;
    if (flags(c) !== '') out += `  ${flags(c)}\n`;
    out += `  unpacked ${size(c.size)}${c.size ? ` in ${plural(c.size.files, 'file')} (from ${c.size.source})` : ' (not in node_modules nor in the npm cache)'}\n`;
    out += `  required by: ${c.requiredBy.join(', ') || '(nothing)'}\n`;
    for (const chain of c.chains) out += `    ${chain.join(' > ')}\n`;
  }
  const rm = r.removal;
  const unknown = rm.unknownSizes > 0 ? ` (${plural(rm.unknownSizes, 'size')} unknown, not counted)` : '';
  out += `\nleaves with it (nothing else needs them): ${plural(rm.packages.length, 'package')}, ${formatBytes(rm.bytes)} unpacked${unknown}: ${rm.packages.join(', ')}\n`;
  return out;
}
