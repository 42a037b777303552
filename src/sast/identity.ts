/**
 * Finding identity: what makes "the same problem" recognisable in the next scan after code moved.
 * tool + rule + normalised path + the first trustworthy of:
 *   1. `partialFingerprints.primaryLocationLineHash`, unless it repeats within the report or is a
 *      placeholder ("requires login", as Semgrep OSS writes for its own fingerprints);
 *   2. the logical location (function, method, class);
 *   3. a hash of the snippet, whitespace-collapsed;
 *   4. a hash of the message with numbers blanked (messages often quote line numbers).
 * Never a raw line number. Results that still collide (ESLint repeats one message for every call
 * a rule flags) are told apart by the text of their own source line when the checkout is at hand
 * (source-lines.ts), and by their order in the file among those that remain alike.
 */
import { createHash } from 'node:crypto';

export type IdentityBasis = 'fingerprint' | 'logical-location' | 'snippet' | 'source-line' | 'message';

export interface IdentityInput {
  tool: string;
  ruleId: string;
  path: string | undefined;
  lineHash: string | undefined;
  logical: string | undefined;
  snippet: string | undefined;
  /** The flagged line's text from the checkout, whitespace-collapsed, when it is at hand. */
  sourceLine?: string | undefined;
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
  const hashCount = new Map<string, number>();
  for (const it of items) if (it.lineHash) hashCount.set(it.lineHash, (hashCount.get(it.lineHash) ?? 0) + 1);
  for (const h of repeated ?? []) hashCount.set(h, 2);
  const keyOf = (it: IdentityInput): { basis: IdentityBasis; key: string } => {
    let basis: IdentityBasis;
    let value: string;
    if (it.lineHash && !placeholder.test(it.lineHash) && hashCount.get(it.lineHash) === 1) {
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
  // Only the key's digest is kept per result (a report has 200k): equal digests are equal keys.
  const out: Identity[] = items.map((it) => {
    const k = keyOf(it);
    return { identity: sha(k.key), basis: k.basis };
  });
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
  for (const g of groups.values()) {
    g.sort((a, b) => (items[a]!.line ?? 0) - (items[b]!.line ?? 0) || (items[a]!.column ?? 0) - (items[b]!.column ?? 0) || a - b);
    const { key, basis } = keyOf(items[g[0]!]!);
    // With the checkout at hand, colliding results are told apart by their own line's text, and
    // only those whose lines read the same by their order: removing one shifts no other.
    const sub = new Map<string, number>();
    for (const i of g) {
      const text = items[i]!.sourceLine;
      const k = text === undefined ? key : `${key}\u0000line\u0000${text}`;
      const n = sub.get(k) ?? 0;
      sub.set(k, n + 1);
      out[i] = { identity: sha(n === 0 ? k : `${k}\u0000#${n}`), basis: text === undefined ? basis : 'source-line' };
    }
  }
  return out;
}
