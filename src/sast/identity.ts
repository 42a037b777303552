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
const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);
const placeholder = /requires login|^\s*$|^0+$/i;

/** `repeated`: line hashes that occur more than once anywhere in the report (across its runs). */
export function computeIdentities(items: readonly IdentityInput[], repeated?: ReadonlySet<string>): Identity[] {
  const hashCount = new Map<string, number>();
  for (const it of items) if (it.lineHash) hashCount.set(it.lineHash, (hashCount.get(it.lineHash) ?? 0) + 1);
  for (const h of repeated ?? []) hashCount.set(h, 2);
  const keyed = items.map((it, i) => {
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
    return { i, basis, key: [it.tool, it.ruleId, it.path ?? '', basis, value].join('\u0000'), line: it.line ?? 0, column: it.column ?? 0 };
  });
  // Disambiguate collisions by position order: stable under line shifts that keep the order.
  // Most keys are unique, so count first and sort only the groups that collide.
  const counts = new Map<string, number>();
  for (const k of keyed) counts.set(k.key, (counts.get(k.key) ?? 0) + 1);
  const out: Identity[] = new Array(items.length);
  const groups = new Map<string, typeof keyed>();
  for (const k of keyed) {
    if (counts.get(k.key) === 1) {
      out[k.i] = { identity: sha(k.key), basis: k.basis };
      continue;
    }
    const g = groups.get(k.key);
    if (g) g.push(k);
    else groups.set(k.key, [k]);
  }
  for (const g of groups.values()) {
    g.sort((a, b) => a.line - b.line || a.column - b.column || a.i - b.i);
    // With the checkout at hand, colliding results are told apart by their own line's text, and
    // only those whose lines read the same by their order: removing one shifts no other.
    const sub = new Map<string, number>();
    for (const k of g) {
      const text = items[k.i]!.sourceLine;
      const key = text === undefined ? k.key : `${k.key}\u0000line\u0000${text}`;
      const n = sub.get(key) ?? 0;
      sub.set(key, n + 1);
      out[k.i] = { identity: sha(n === 0 ? key : `${key}\u0000#${n}`), basis: text === undefined ? k.basis : 'source-line' };
    }
  }
  return out;
}
