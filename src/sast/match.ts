/**
 * Matching a scan's results that no identity found against the findings the stream's previous
 * scans saw and this one has not (what would otherwise be fixed), as GitHub code scanning matches
 * alerts: same tool and rule and the same content (snippet, or message with numbers blanked), then
 * the closest — same file first, the same lines around it when the scanner quoted them, the
 * nearest line. So without the checkout a finding keeps its identity, and its dismissal, when its
 * line moves, lines are inserted above it, a sibling copy is deleted, another copy is moved above
 * it, or its file is renamed.
 *
 * Terms: a result's *match key* is its identity key without the path (identity.ts); its *context*
 * a digest of what is around it: its own line's text, else the lines the scanner quoted, else (for
 * copies nothing else tells apart) the keys of the nearest other results above and below it. A
 * result whose identity finds a finding of another context is matched too, the found finding
 * being the fallback: a copy that took the identity of one that went gets its own finding back.
 */

/** What the match needs of a result or finding, packed in one string per result (200k of them). */
export interface MatchData {
  key: string;
  context: string | undefined;
}

/** `key[~context]`: both hex. */
export const packMatch = (m: MatchData): string => (m.context ? `${m.key}~${m.context}` : m.key);

export function unpackMatch(s: string): MatchData {
  const [key, context] = s.split('~') as [string, string | undefined];
  return { key, context: context || undefined };
}

/** Both know what is around them, and it differs. Allocates only then: it runs for every result seen again. */
export function surroundingsDiffer(a: string, b: string): boolean {
  const i = a.indexOf('~');
  const j = b.indexOf('~');
  return i >= 0 && j >= 0 && a.slice(i) !== b.slice(j);
}

export interface MatchSide {
  key: string;
  context: string | undefined;
  path: string | undefined;
  line: number | undefined;
}

export interface MatchPaths {
  /** Paths this scan has results in. */
  scanned: ReadonlySet<string>;
  /** Paths the stream had findings in before this scan (found again or candidates). */
  known: ReadonlySet<string>;
}

/** Beyond this many result-finding pairs under one key, the key is not matched (each stays new or fixed). */
export const maxPairsPerKey = 250_000;

/**
 * Which candidate each result is: result index → candidate index, one to one. A result matches a
 * candidate of the same key in its own file, or in another file when that looks like a rename:
 * the candidate's file has no result in this scan and the result's file had no finding before.
 * Best pairs first: same file, then same context (both quoted and equal; then one unquoted; then
 * both quoted and different), then the smaller line distance, then file order.
 */
export function matchPrevious(results: readonly MatchSide[], candidates: readonly MatchSide[], paths: MatchPaths): Map<number, number> {
  const byKey = new Map<string, number[]>();
  candidates.forEach((c, j) => {
    const l = byKey.get(c.key);
    if (l) l.push(j);
    else byKey.set(c.key, [j]);
  });
  const resultsByKey = new Map<string, number[]>();
  results.forEach((r, i) => {
    if (!byKey.has(r.key)) return;
    const l = resultsByKey.get(r.key);
    if (l) l.push(i);
    else resultsByKey.set(r.key, [i]);
  });
  const pairs: { i: number; j: number; rank: [number, number, number] }[] = [];
  for (const [key, is] of resultsByKey) {
    const js = byKey.get(key)!;
    if (is.length * js.length > maxPairsPerKey) continue;
    for (const i of is) {
      const r = results[i]!;
      for (const j of js) {
        const c = candidates[j]!;
        const samePath = r.path === c.path;
        const renamed = !samePath && c.path !== undefined && r.path !== undefined && !paths.scanned.has(c.path) && !paths.known.has(r.path);
        if (!samePath && !renamed) continue;
        const context = r.context && c.context ? (r.context === c.context ? 0 : 2) : 1;
        pairs.push({ i, j, rank: [samePath ? 0 : 1, context, Math.abs((r.line ?? 0) - (c.line ?? 0))] });
      }
    }
  }
  pairs.sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.rank[2] - b.rank[2] || a.i - b.i || a.j - b.j);
  const out = new Map<number, number>();
  const taken = new Set<number>();
  for (const p of pairs) {
    if (out.has(p.i) || taken.has(p.j)) continue;
    out.set(p.i, p.j);
    taken.add(p.j);
  }
  return out;
}
