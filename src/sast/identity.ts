/**
 * Finding identity: what makes "the same problem" recognisable in the next scan after code moved.
 * tool + rule + normalised path + the first trustworthy of:
 *   1. `partialFingerprints.primaryLocationLineHash`, unless it repeats within the report or is a
 *      placeholder ("requires login", as Semgrep OSS writes for its own fingerprints);
 *   2. the logical location (function, method, class);
 *   3. a hash of the snippet, whitespace-collapsed;
 *   4. a hash of the message with numbers blanked (messages often quote line numbers).
 * Never a raw line number. Results that still collide (ESLint repeats one message for every call
 * a rule flags; Bandit quotes the same snippet for every copy of a call) are told apart by the
 * text of their own source line when the checkout is at hand (source-lines.ts), else by the lines
 * around them when the scanner quoted them (contextRegion), and by their order in the file among
 * those that remain alike.
 */
import { hash } from 'node:crypto';
import { packMatch } from './match.js';

export type IdentityBasis = 'fingerprint' | 'logical-location' | 'snippet' | 'source-line' | 'context' | 'message';

export interface IdentityInput {
  tool: string;
  ruleId: string;
  path: string | undefined;
  lineHash: string | undefined;
  logical: string | undefined;
  snippet: string | undefined;
  /** The flagged line's text from the checkout, whitespace-collapsed, when it is at hand. */
  sourceLine?: string | undefined;
  /** The lines around the result as the scanner quoted them (SARIF contextRegion.snippet; Bandit writes one). */
  context?: string | undefined;
  message: string;
  /** Only to order colliding results; never part of the identity. */
  line: number | undefined;
  column: number | undefined;
}

export interface Identity {
  identity: string;
  basis: IdentityBasis;
  /** What matching against the previous scan needs (match.ts, packed); none for a fingerprint. */
  match: string | undefined;
}

/**
 * The hex of the first `bytes` bytes of s's SHA-256. One-shot `hash` (Node 20.12): a few hashes per
 * result, and a Hash object for each cost ~35 % more CPU. The hex of the bytes, not a slice of the
 * full hex: a slice keeps its 64-character parent alive, for each of a report's 200k results.
 */
export const sha256Hex = (s: string, bytes: number) => hash('sha256', s, 'buffer').toString('hex', 0, bytes);

// 128 bits of SHA-256: collision-free at any report size, and half the index of a full digest.
const sha = (s: string) => sha256Hex(s, 16);
// 48 bits: a match key is compared within one stream and rule only.
const shortSha = (s: string) => sha256Hex(s, 6);
const placeholder = /requires login|^\s*$|^0+$/i;

/** `repeated`: line hashes that occur more than once anywhere in the report (across its runs). */
export function computeIdentities(items: readonly IdentityInput[], repeated?: ReadonlySet<string>): Identity[] {
  const seen = new Set<string>();
  const all = new Set(repeated);
  for (const it of items) {
    if (!it.lineHash) continue;
    if (seen.has(it.lineHash)) all.add(it.lineHash);
    else seen.add(it.lineHash);
  }
  return identitiesOf(items.length, (i) => items[i]!, all);
}

const keyOf = (it: IdentityInput, repeated: ReadonlySet<string>): { basis: IdentityBasis; key: string; matchKey: string | undefined } => {
  let basis: IdentityBasis;
  let value: string;
  if (it.lineHash && !placeholder.test(it.lineHash) && !repeated.has(it.lineHash)) {
    basis = 'fingerprint';
    value = it.lineHash;
  } else if (it.logical) {
    basis = 'logical-location';
    value = it.logical;
  } else if (it.snippet && it.snippet.trim()) {
    basis = 'snippet';
    value = it.snippet.replace(/\s+/g, ' ').trim(); // hashed with the rest of the key below
  } else {
    basis = 'message';
    value = it.message.replace(/\d+/g, '#').replace(/\s+/g, ' ').trim();
  }
  // The match key leaves the path out, so a renamed file's findings can be matched (match.ts).
  const matchKey = basis === 'fingerprint' ? undefined : shortSha([it.tool, it.ruleId, basis, value].join('\u0000'));
  return { basis, key: [it.tool, it.ruleId, it.path ?? '', basis, value].join('\u0000'), matchKey };
};

const normalisedContext = (it: IdentityInput) => it.context?.replace(/\s+/g, ' ').trim() || undefined;

/** The lines around a result as far as they are known: its own line's text, else the quoted context. */
const contextOf = (it: IdentityInput) => {
  const c = it.sourceLine ?? normalisedContext(it);
  return c === undefined ? undefined : shortSha(c);
};

/**
 * The identities of `n` results, each given by `at(i)` when needed and not kept: the caller can
 * hold its results in any shape. `repeated` must hold every line hash that occurs more than once
 * among them (and anywhere else in the report).
 */
export function identitiesOf(n: number, at: (i: number) => IdentityInput, repeated: ReadonlySet<string>): Identity[] {
  // Only the key's digest is kept per result (a report has 200k): equal digests are equal keys.
  const out: Identity[] = new Array<Identity>(n);
  for (let i = 0; i < n; i++) {
    const it = at(i);
    const k = keyOf(it, repeated);
    out[i] = { identity: sha(k.key), basis: k.basis, match: k.matchKey === undefined ? undefined : packMatch({ key: k.matchKey, context: contextOf(it) }) };
  }
  // Disambiguate collisions by position order: stable under line shifts that keep the order.
  // Most keys are unique, so count first and sort only the groups that collide.
  const counts = new Map<string, number>();
  for (const o of out) counts.set(o.identity, (counts.get(o.identity) ?? 0) + 1);
  const groups = new Map<string, number[]>();
  out.forEach((o, i) => {
    if (counts.get(o.identity) === 1) return;
    const g = groups.get(o.identity);
    if (g) g.push(i);
    else groups.set(o.identity, [i]);
  });
  // Copies that neither their own line nor quoted lines tell apart are known, for matching, by
  // the results around them in their file (match.ts): the nearest above and below of another key.
  const plain = groups.size ? out.map((o) => o.identity) : [];
  const around = groups.size ? neighbours(n, at, plain, groups) : new Map<number, string>();
  for (const idx of groups.values()) {
    const g = idx.map((i) => ({ i, it: at(i) }));
    g.sort((a, b) => (a.it.line ?? 0) - (b.it.line ?? 0) || (a.it.column ?? 0) - (b.it.column ?? 0) || a.i - b.i);
    const { key, basis, matchKey } = keyOf(g[0]!.it, repeated);
    // Colliding results are told apart by their own line's text when the checkout is at hand,
    // else by the lines around them when the scanner quoted those, and only those that still read
    // the same by their order: removing one shifts no other. The first told apart by its context
    // keeps the plain key it had while it was alone, so a copy pasted below a finding leaves the
    // finding as it was (with the context in its key too, it would turn fixed, and the same code new).
    const sub = new Map<string, number>();
    let plainTaken = false;
    for (const { i, it } of g) {
      const context = normalisedContext(it);
      const byContext = it.sourceLine === undefined && context !== undefined && plainTaken;
      if (it.sourceLine === undefined && context !== undefined) plainTaken = true;
      const [k, b] =
        it.sourceLine !== undefined ? [`${key}\u0000line\u0000${it.sourceLine}`, 'source-line' as const] : byContext ? [`${key}\u0000context\u0000${context}`, 'context' as const] : [key, basis];
      const m = sub.get(k) ?? 0;
      sub.set(k, m + 1);
      const ctx = contextOf(it) ?? around.get(i);
      out[i] = { identity: sha(m === 0 ? k : `${k}\u0000#${m}`), basis: b, match: matchKey === undefined ? undefined : packMatch({ key: matchKey, context: ctx }) };
    }
  }
  return out;
}

/**
 * For each colliding result with neither its own line nor quoted lines: a digest of the keys of
 * the nearest results above and below it in its file whose key differs from its own.
 */
function neighbours(n: number, at: (i: number) => IdentityInput, plain: readonly string[], groups: ReadonlyMap<string, number[]>): Map<number, string> {
  const wanted = new Set<number>();
  const paths = new Set<string>();
  for (const idx of groups.values())
    for (const i of idx) {
      const it = at(i);
      if (it.sourceLine !== undefined || normalisedContext(it) !== undefined) continue;
      wanted.add(i);
      paths.add(it.path ?? '');
    }
  const out = new Map<number, string>();
  if (wanted.size === 0) return out;
  const byPath = new Map<string, { i: number; line: number; column: number }[]>();
  for (let i = 0; i < n; i++) {
    const it = at(i);
    const p = it.path ?? '';
    if (!paths.has(p)) continue;
    const l = byPath.get(p) ?? [];
    l.push({ i, line: it.line ?? 0, column: it.column ?? 0 });
    byPath.set(p, l);
  }
  for (const l of byPath.values()) {
    l.sort((a, b) => a.line - b.line || a.column - b.column || a.i - b.i);
    l.forEach(({ i }, q) => {
      if (!wanted.has(i)) return;
      let above = q - 1;
      while (above >= 0 && plain[l[above]!.i] === plain[i]) above--;
      let below = q + 1;
      while (below < l.length && plain[l[below]!.i] === plain[i]) below++;
      out.set(i, shortSha(`${above >= 0 ? plain[l[above]!.i] : ''}|${below < l.length ? plain[l[below]!.i] : ''}`));
    });
  }
  return out;
}
