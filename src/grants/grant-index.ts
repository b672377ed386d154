import { ACCESSES, type Access, type Grant } from "./grant";

/** What one bucket's grants cover for one access. */
interface AccessIndex {
  /** Keys of `exact` grants. */
  readonly exact: Set<string>;
  /**
   * Paths of `prefix` grants, sorted by code unit, none a prefix of another (a longer one covers
   * nothing the shorter does not). So the only candidate covering a key is the greatest path <= key.
   */
  readonly prefixes: readonly string[];
}

/** A token's grants arranged for lookup: by bucket, then by access. Built once per grants array. */
export interface GrantIndex {
  readonly buckets: ReadonlyMap<string, ReadonlyMap<Access, AccessIndex>>;
}

/** Drops every path that has a shorter one of the list as its prefix, and sorts the rest. */
function minimalPrefixes(paths: string[]): string[] {
  const sorted = [...new Set(paths)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const kept: string[] = [];
  // Sorted, a path's prefixes in the list come before it; the last kept path is the only one that can be its prefix.
  for (const path of sorted) if (kept.length === 0 || !path.startsWith(kept[kept.length - 1] as string)) kept.push(path);
  return kept;
}

/** Indexes grants by bucket and access. O(n log n) once; each lookup is then O(log n) plus a Set lookup. */
export function indexGrants(grants: readonly Grant[]): GrantIndex {
  const gathered = new Map<string, Map<Access, { exact: Set<string>; prefixes: string[] }>>();
  for (const grant of grants) {
    let byAccess = gathered.get(grant.bucket);
    if (byAccess === undefined) {
      byAccess = new Map(ACCESSES.map((access) => [access, { exact: new Set<string>(), prefixes: [] }]));
      gathered.set(grant.bucket, byAccess);
    }
    for (const access of grant.access) {
      const entry = byAccess.get(access);
      if (entry === undefined) continue;
      if (grant.scope === "prefix") entry.prefixes.push(grant.path);
      else entry.exact.add(grant.path);
    }
  }
  const buckets = new Map<string, Map<Access, AccessIndex>>();
  for (const [bucket, byAccess] of gathered) {
    buckets.set(bucket, new Map([...byAccess].map(([access, entry]) => [access, { exact: entry.exact, prefixes: minimalPrefixes(entry.prefixes) }])));
  }
  return { buckets };
}

/** Whether a prefix in `prefixes` (sorted, minimal) starts `key`: binary search for the greatest path <= key. */
function coveredByPrefix(prefixes: readonly string[], key: string): boolean {
  let low = 0;
  let high = prefixes.length - 1;
  let candidate = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if ((prefixes[middle] as string) <= key) {
      candidate = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return candidate >= 0 && key.startsWith(prefixes[candidate] as string);
}

/** Whether some grant of the index gives `access` to `key` (exact or under a prefix) in `bucket`. */
export function indexCovers(index: GrantIndex, bucket: string, access: Access, key: string): boolean {
  const entry = index.buckets.get(bucket)?.get(access);
  return entry !== undefined && (entry.exact.has(key) || coveredByPrefix(entry.prefixes, key));
}

/** Whether the index has any grant on `bucket`. */
export function indexHasBucket(index: GrantIndex, bucket: string): boolean {
  return index.buckets.has(bucket);
}
