/**
 * The verdict on what an endpoint serves, as a client would judge it: the served chain must reach a
 * root of the trust bundle, every certificate on that path must be valid now, the leaf must carry
 * the name the client asked for, and — when we know what was installed — it must be that chain.
 * Pure (parsed material in, one reason out), so each false green has a table row.
 *
 * The checks are an ordered chain, the first that fails wins: `Unreachable`, `Expired`,
 * `NotYetValid`, `Untrusted`, `NotInstalled`, `NameMismatch`, else `Valid`. Expiry comes before
 * trust so that an expired leaf from our own CA says "expired", the thing to fix; "serves another
 * certificate" before a wrong name, because the other certificate is why the name is wrong.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { compareServed, type ProbeResult } from './probe.js';

export type ServedReason =
  | 'Unreachable'
  | 'Expired'
  | 'NotYetValid'
  | 'Untrusted'
  | 'NameMismatch'
  | 'NotInstalled'
  | 'Valid';

export interface ServedVerdict {
  ok: boolean;
  reason: ServedReason;
  message: string;
}

export interface ServedExpectation {
  now: Date;
  /** The roots a consumer trusts (PEM): the CA's trusted set. */
  trustedRootsPem: string[];
  /** The name the client connects to: the SNI, else the host. */
  name: string;
  /** tls.crt as installed (leaf + intermediates); undefined when nothing is known to compare with. */
  installedChainPem?: string[];
}

const MAX_DEPTH = 8;

function validNow(c: X509Certificate, now: Date): 'Expired' | 'NotYetValid' | undefined {
  if (now.getTime() > Date.parse(c.validTo)) return 'Expired';
  if (now.getTime() < Date.parse(c.validFrom)) return 'NotYetValid';
  return undefined;
}

const signedBy = (c: X509Certificate, issuer: X509Certificate) => c.checkIssued(issuer) && c.verify(issuer.publicKey);

/**
 * The path from the leaf through served intermediates to a trusted root, or undefined. Served
 * roots are never trusted for being served: only the bundle's roots anchor a path.
 */
export function pathToTrust(chain: X509Certificate[], roots: X509Certificate[]): X509Certificate[] | undefined {
  const path = [chain[0]!];
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const cur = path[path.length - 1]!;
    const root = roots.find((r) => signedBy(cur, r));
    if (root) return [...path, root];
    const next = chain.find((c) => !path.includes(c) && signedBy(cur, c));
    if (!next) return undefined;
    path.push(next);
  }
  return undefined;
}

function nameMatches(leaf: X509Certificate, name: string): boolean {
  return isIP(name) ? leaf.checkIP(name) !== undefined : leaf.checkHost(name, { subject: 'never' }) !== undefined;
}

const describe = (c: X509Certificate) =>
  `serial ${c.serialNumber.toLowerCase()} (${c.subject.replace(/\n/g, ',')})`;

export function judgeServed(probe: ProbeResult, x: ServedExpectation): ServedVerdict {
  const ep = probe.endpoint;
  const fail = (reason: ServedReason, message: string): ServedVerdict => ({ ok: false, reason, message: `${ep} ${message}` });
  if (!probe.reached || probe.chain.length === 0)
    return { ok: false, reason: 'Unreachable', message: `${ep}: ${probe.error ?? 'unreachable'}` };
  const chain = probe.chain.map((c) => new X509Certificate(c.pem));
  const leaf = chain[0]!;
  const roots = x.trustedRootsPem.map((p) => new X509Certificate(p));
  const path = pathToTrust(chain, roots);
  // Expiry is judged on the path a client would build, or on the leaf when there is none.
  for (const c of path ?? [leaf]) {
    const v = validNow(c, x.now);
    if (v === 'Expired')
      return fail('Expired', `serves ${c === leaf ? '' : 'a chain with '}${describe(c)} that expired on ${new Date(c.validTo).toISOString()}`);
    if (v === 'NotYetValid')
      return fail('NotYetValid', `serves ${describe(c)} that is not valid before ${new Date(c.validFrom).toISOString()}`);
  }
  if (!path)
    return fail('Untrusted', `serves ${describe(leaf)} issued by ${leaf.issuer.replace(/\n/g, ',')}, which does not chain to a root of the trust bundle`);
  if (x.installedChainPem) {
    const cmp = compareServed(probe, x.installedChainPem);
    if (!cmp.matches) return { ok: false, reason: 'NotInstalled', message: cmp.message };
  }
  if (!nameMatches(leaf, x.name)) return fail('NameMismatch', `serves ${describe(leaf)} without the name ${x.name} (has ${leaf.subjectAltName ?? 'no SAN'})`);
  return { ok: true, reason: 'Valid', message: `${ep} serves ${describe(leaf)}, trusted and valid until ${new Date(leaf.validTo).toISOString()}` };
}
