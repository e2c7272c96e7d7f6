/**
 * Sizes many packages at once with bounded concurrency (tarballs are gunzipped on the thread
 * pool; eight at a time keeps it busy without queuing hundreds of open files), reporting
 * progress after each.
 */
import type { LockPackage } from './lockfile.js';
import type { PackageSize, PackageSizes } from './package-sizes.js';

/** Size of every package in `list`, by package; absent when unknown. */
export async function sizeAll(
  sizes: PackageSizes,
  list: readonly LockPackage[],
  onProgress: (done: number, total: number) => void = () => {},
  concurrency = 8,
): Promise<Map<LockPackage, PackageSize>> {
  const out = new Map<LockPackage, PackageSize>();
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const pkg = list[next++];
      const size = await sizes.sizeOf(pkg);
      if (size !== undefined) out.set(pkg, size);
      onProgress(++done, list.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, worker));
  return out;
}
