/**
 * Paths as the repository knows them ("src/app.py"), whatever the scanner wrote: `file://` URIs,
 * absolute paths under a checkout root, `uriBaseId` references resolved through
 * `originalUriBaseIds` (an undefined base, like Semgrep's "%SRCROOT%", means the checkout root),
 * percent-encoding and Windows separators.
 */
import { posix } from 'node:path';
import type { SarifRun } from './sarif-schema.js';

type Loc = { uri?: string | undefined; uriBaseId?: string | undefined; index?: number | undefined };

/** An absolute path from a URI or path, or undefined when it is relative. */
export function absoluteOf(uri: string): string | undefined {
  let u = uri.replace(/\\/g, '/');
  if (/^file:/i.test(u)) {
    u = u.replace(/^file:(\/\/[^/]*)?/i, '');
    if (/^\/[A-Za-z]:\//.test(u)) u = u.slice(1);
  }
  u = safeDecode(u);
  if (u.startsWith('/')) return posix.normalize(u);
  // The drive is not a segment: "C:/../x" is C:/x, as "/../x" is /x.
  if (/^[A-Za-z]:\//.test(u)) return u.slice(0, 2) + posix.normalize(u.slice(2));
  return undefined;
}

function safeDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function cleanRelative(p: string): string {
  return tidy(safeDecode(p.replace(/\\/g, '/')));
}

/** Normalises an already decoded path: decoding twice would turn a file named "%2F" into "/". */
function tidy(p: string): string {
  let n = posix.normalize(p);
  while (n.startsWith('./')) n = n.slice(2);
  return n === '.' ? '' : n;
}

const maxRoots = 64;

export class PathResolver {
  private readonly roots: string[];
  private readonly warned = new Set<string>();

  constructor(
    private readonly run: SarifRun,
    sourceRoots: readonly string[],
    private readonly warnings: string[],
  ) {
    const roots = [...sourceRoots];
    for (const inv of run.invocations ?? []) if (inv.workingDirectory?.uri) roots.push(inv.workingDirectory.uri);
    for (const base of Object.values(run.originalUriBaseIds ?? {})) if (base.uri) roots.push(base.uri);
    const absolute = [...new Set(roots.map((r) => absoluteOf(r)).filter((r): r is string => !!r).map((r) => (r.endsWith('/') ? r : r + '/')))];
    // Every distinct path is tried against every root: a report naming thousands of roots would
    // make that quadratic. Real runs name one or two.
    if (absolute.length > maxRoots) warnings.push(`${absolute.length} checkout roots (invocations and originalUriBaseIds): only the first ${maxRoots} are used`);
    this.roots = absolute.slice(0, maxRoots).sort((a, b) => b.length - a.length);
  }

  private readonly memo = new Map<string, string | undefined>();

  /** The repository-relative path, or an absolute one when no checkout root is known for it. */
  resolve(loc: Loc | undefined): string | undefined {
    if (!loc) return undefined;
    // Reports repeat the same few files thousands of times.
    const key = `${loc.uri ?? ''}\u0000${loc.uriBaseId ?? ''}\u0000${loc.index ?? ''}`;
    if (this.memo.has(key)) return this.memo.get(key);
    const p = this.resolveUncached(loc);
    this.memo.set(key, p);
    return p;
  }

  private resolveUncached(loc: Loc): string | undefined {
    let l = loc;
    if (l.uri === undefined && l.index !== undefined) l = this.run.artifacts?.[l.index]?.location ?? l;
    if (l.uri === undefined) return undefined;
    const joined = this.join(l.uri, l.uriBaseId, 0);
    const abs = absoluteOf(joined);
    if (!abs) return cleanRelative(joined);
    for (const r of this.roots) if (abs.startsWith(r)) return tidy(abs.slice(r.length));
    return abs;
  }

  private join(uri: string, baseId: string | undefined, depth: number): string {
    if (!baseId || absoluteOf(uri) || depth > 8) return uri;
    const base = this.run.originalUriBaseIds?.[baseId];
    if (!base?.uri) {
      if (!this.warned.has(baseId)) {
        this.warned.add(baseId);
        this.warnings.push(`uriBaseId ${baseId} is not defined in originalUriBaseIds; its paths are taken as relative to the checkout root`);
      }
      return uri;
    }
    const b = base.uri.endsWith('/') ? base.uri : base.uri + '/';
    return this.join(b + uri.replace(/^\.?\//, ''), base.uriBaseId, depth + 1);
  }
}

/**
 * The longest directory all `paths` share, segment by segment ("/" when they share only the root),
 * or undefined when they share nothing (C:/a and D:/b). Each step compares one segment and every
 * loop is bounded by a path's length: it terminates on any input.
 */
export function commonDirectory(paths: readonly string[]): string | undefined {
  if (paths.length === 0) return undefined;
  const common = paths[0]!.split('/').slice(0, -1);
  for (const p of paths) {
    const segs = p.split('/');
    const max = Math.min(common.length, segs.length - 1);
    let n = 0;
    while (n < max && common[n] === segs[n]) n++;
    common.length = n;
  }
  return common.length === 0 ? undefined : common.join('/') + '/';
}

/**
 * Last resort for absolute paths under no known root: strip the directory they all share, so the
 * same checkout scanned from another place yields the same paths. Warned about, because a report
 * of one file cannot tell its root; pass the checkout root (`--source-root`) to be exact.
 */
export function stripCommonRoot(paths: (string | undefined)[], warnings: string[]): (string | undefined)[] {
  const abs = paths.filter((p): p is string => !!p && absoluteOf(p) !== undefined);
  if (abs.length === 0) return paths;
  const prefix = commonDirectory(abs);
  if (!prefix) {
    warnings.push('absolute paths outside any known checkout root and with no directory in common: kept as they are (pass the checkout root to be exact)');
    return paths;
  }
  warnings.push(`absolute paths outside any known checkout root: took ${prefix} as the root (pass the checkout root to be exact)`);
  return paths.map((p) => (p && absoluteOf(p) !== undefined && p.startsWith(prefix) ? tidy(p.slice(prefix.length)) : p));
}
