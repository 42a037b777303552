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
import { createHash } from 'node:crypto';

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
}

// 128 bits of SHA-256: collision-free at any report size, and half the index of a full digest.
// Hex of the first 16 bytes, not a slice of the full hex: a slice keeps its 64-character parent
// alive, for each of a report's 200k results.
const sha = (s: string) => createHash('sha256').update(s).digest().toString('hex', 0, 16);
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

const keyOf = (it: IdentityInput, repeated: ReadonlySet<string>): { basis: IdentityBasis; key: string } => {
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
  return { basis, key: [it.tool, it.ruleId, it.path ?? '', basis, value].join('\u0000') };
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
    const k = keyOf(at(i), repeated);
    out[i] = { identity: sha(k.key), basis: k.basis };
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
  for (const idx of groups.values()) {
    const g = idx.map((i) => ({ i, it: at(i) }));
    g.sort((a, b) => (a.it.line ?? 0) - (b.it.line ?? 0) || (a.it.column ?? 0) - (b.it.column ?? 0) || a.i - b.i);
    const { key, basis } = keyOf(g[0]!.it, repeated);
    // Colliding results are told apart by their own line's text when the checkout is at hand,
    // else by the lines around them when the scanner quoted those, and only those that still read
    // the same by their order: removing one shifts no other. The first told apart by its context
    // keeps the plain key it had while it was alone, so a copy pasted below a finding leaves the
    // finding as it was (with the context in its key too, it would turn fixed, and the same code new).
    const sub = new Map<string, number>();
    let plainTaken = false;
    for (const { i, it } of g) {
      const context = it.context?.replace(/\s+/g, ' ').trim() || undefined;
      const byContext = it.sourceLine === undefined && context !== undefined && plainTaken;
      if (it.sourceLine === undefined && context !== undefined) plainTaken = true;
      const [k, b] =
        it.sourceLine !== undefined ? [`${key}\u0000line\u0000${it.sourceLine}`, 'source-line' as const] : byContext ? [`${key}\u0000context\u0000${context}`, 'context' as const] : [key, basis];
      const m = sub.get(k) ?? 0;
      sub.set(k, m + 1);
      out[i] = { identity: sha(m === 0 ? k : `${k}\u0000#${m}`), basis: b };
    }
  }
  return out;
}
