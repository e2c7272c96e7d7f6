/**
 * Who brought each package in. A direct dependency is an edge from the root or a workspace to
 * a package; walking the graph from each one gives, for every package, the set of direct
 * dependencies that reach it: one means *exclusive* to that dependency (removing it removes
 * the package), more means *shared*. Walks stop at roots, so a workspace's own dependencies
 * are direct dependencies of that workspace, not of whoever uses it.
 */
import type { Lockfile, LockPackage } from './lockfile.js';

/** A package the root or a workspace depends on by name. */
export interface DirectDependency {
  /** The package name, with `@version` when two direct dependencies share a name. */
  readonly label: string;
  readonly package: LockPackage;
  /** Names of the root/workspaces that declare it. */
  readonly declaredBy: readonly string[];
}

/** The attribution of one lockfile. */
export interface Attribution {
  readonly direct: readonly DirectDependency[];
  /** Labels of the direct dependencies that reach each package (sorted); roots are absent. */
  readonly broughtBy: ReadonlyMap<LockPackage, readonly string[]>;
  /** Shortest chain from a direct dependency to a package: [direct, ..., package]. */
  chain(from: DirectDependency, to: LockPackage): LockPackage[] | undefined;
}

/** Attributes every package of `lock` to the direct dependencies that reach it. */
export function attribute(lock: Lockfile): Attribution {
  const byPackage = new Map<LockPackage, Set<string>>();
  for (const root of lock.roots) {
    for (const dep of root.dependencies) {
      if (dep.isRoot) continue;
      const list = byPackage.get(dep) ?? new Set<string>();
      list.add(root.name);
      byPackage.set(dep, list);
    }
  }
  const nameCount = new Map<string, number>();
  for (const pkg of byPackage.keys()) nameCount.set(pkg.name, (nameCount.get(pkg.name) ?? 0) + 1);
  const direct: DirectDependency[] = [...byPackage]
    .map(([pkg, roots]) => ({ label: nameCount.get(pkg.name)! > 1 ? `${pkg.name}@${pkg.version}` : pkg.name, package: pkg, declaredBy: [...roots].sort() }))
    .sort((a, b) => a.label.localeCompare(b.label));

  const parents = new Map<DirectDependency, Map<LockPackage, LockPackage | null>>();
  const reached = new Map<LockPackage, Set<string>>();
  for (const d of direct) {
    const parent = new Map<LockPackage, LockPackage | null>([[d.package, null]]);
    const queue = [d.package];
    for (let i = 0; i < queue.length; i++) {
      const pkg = queue[i];
      let set = reached.get(pkg);
      if (set === undefined) reached.set(pkg, (set = new Set()));
      set.add(d.label);
      for (const next of pkg.dependencies) {
        if (next.isRoot || parent.has(next)) continue;
        parent.set(next, pkg);
        queue.push(next);
      }
    }
    parents.set(d, parent);
  }
  const broughtBy = new Map<LockPackage, readonly string[]>();
  for (const [pkg, set] of reached) broughtBy.set(pkg, [...set].sort());
  return {
    direct,
    broughtBy,
    chain(from, to) {
      const parent = parents.get(from);
      if (parent === undefined || !parent.has(to)) return undefined;
      const out: LockPackage[] = [];
      for (let at: LockPackage | null | undefined = to; at != null; at = parent.get(at)) out.push(at);
      return out.reverse();
    },
  };
}

/**
 * Packages that exist only because of `targets`: reachable from them, and no longer reachable
 * from the roots once they are removed. What uninstalling them would take away.
 */
export function exclusiveClosure(lock: Lockfile, targets: ReadonlySet<LockPackage>): Set<LockPackage> {
  const withoutTargets = new Set<LockPackage>();
  const queue = lock.roots.slice();
  for (const r of queue) withoutTargets.add(r);
  for (let i = 0; i < queue.length; i++) {
    for (const next of queue[i].dependencies) {
      if (targets.has(next) || withoutTargets.has(next)) continue;
      withoutTargets.add(next);
      queue.push(next);
    }
  }
  const closure = new Set<LockPackage>();
  const walk = [...targets];
  for (const t of walk) closure.add(t);
  for (let i = 0; i < walk.length; i++) {
    for (const next of walk[i].dependencies) {
      if (next.isRoot || closure.has(next) || withoutTargets.has(next)) continue;
      closure.add(next);
      walk.push(next);
    }
  }
  return closure;
}
