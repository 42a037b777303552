/**
 * Status: what is installed for each certificate, who issued it, whether its key matches, when it
 * renews, and — when the spec names an endpoint — whether the endpoint serves it. The inspection
 * here is pure (parsed material in, a row out); the engine does the reading and probing.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import type { CertSpec } from './inventory.js';
import { keyAlgorithmOf } from './keys.js';
import { fingerprint, splitPem } from './pem.js';
import { compareServed, type ProbeResult } from './probe.js';
import { judgeServed, pathToTrust, type ServedReason } from './served.js';
import { renewalDecision, type Installed, type RenewalDecision } from './renewal.js';
import type { InstalledMaterial } from './target.js';

/** The issuing certificate of each known CA generation, by CA id. */
export type Issuers = Map<string, X509Certificate>;

export interface InstalledLeaf extends Installed {
  leaf: X509Certificate;
  chainPem: string[];
  key?: KeyObject;
}

/** Which known CA issued a certificate: name match plus a signature check. */
export function issuerOf(cert: X509Certificate, issuers: Issuers): string | undefined {
  for (const [id, c] of issuers) if (cert.checkIssued(c) && cert.verify(c.publicKey)) return id;
  return undefined;
}

function sanList(c: X509Certificate): string[] {
  return (c.subjectAltName ?? '')
    .split(', ')
    .filter(Boolean)
    .map((s) => s.replace(/^IP Address:/, 'IP:').toLowerCase())
    .sort();
}

export function specSans(spec: CertSpec): string[] {
  return [
    ...spec.sans.dns.map((d) => `dns:${d}`),
    ...spec.sans.ip.map((i) => `ip:${i}`),
    ...spec.sans.uri.map((u) => `uri:${u.toLowerCase()}`),
  ].sort();
}

const EKU: Record<string, string> = { '1.3.6.1.5.5.7.3.1': 'serverAuth', '1.3.6.1.5.5.7.3.2': 'clientAuth' };

export function inspectInstalled(
  spec: CertSpec,
  m: InstalledMaterial,
  issuers: Issuers,
): InstalledLeaf | undefined {
  if (!m.chainPem) return undefined;
  const chainPem = splitPem(m.chainPem);
  if (chainPem.length === 0) return undefined;
  const leaf = new X509Certificate(chainPem[0]!);
  let key: KeyObject | undefined;
  try {
    key = m.keyPem ? createPrivateKey(m.keyPem) : undefined;
  } catch {
    key = undefined;
  }
  const usages = (leaf.keyUsage ?? []).map((o) => EKU[o] ?? o).sort();
  const specMatches =
    JSON.stringify(sanList(leaf)) === JSON.stringify(specSans(spec)) &&
    JSON.stringify(usages) === JSON.stringify([...spec.usages].sort()) &&
    keyAlgorithmOf(leaf.publicKey) === spec.algorithm;
  return {
    leaf,
    chainPem,
    ...(key ? { key } : {}),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    serial: leaf.serialNumber.toLowerCase(),
    keyMatches: key !== undefined && leaf.checkPrivateKey(key),
    issuerCaId: issuerOf(leaf, issuers),
    specMatches,
  };
}

export interface CertStatus {
  name: string;
  trustOnly: boolean;
  serial?: string;
  notBefore?: Date;
  notAfter?: Date;
  caId?: string;
  keyMatches?: boolean;
  renewAt?: Date;
  decision?: RenewalDecision;
  /**
   * Ready: installed, key matches, valid now, and — where an endpoint is named — it serves the
   * installed chain, trusted by the bundle, valid now, with the name clients ask for.
   */
  ready?: boolean;
  /** Trust bundle: how many CAs, and whether it holds exactly the trusted ones. */
  bundle?: { count: number; current: boolean };
  probe?: {
    endpoint: string;
    /** The endpoint serves exactly the installed chain. */
    matches: boolean;
    /** What a client would make of it (served.ts): `Valid` only when trusted, valid now, named and installed. */
    reason: ServedReason;
    message: string;
    servedSerial?: string;
    servedNotAfter?: Date;
  };
  error?: string;
}

export interface StatusInput {
  spec: CertSpec;
  now: Date;
  activeCaId: string;
  jitter: number;
  installed?: InstalledLeaf;
  bundlePem?: string;
  trustedRoots: string[];
  probe?: ProbeResult;
  /** The name clients check the served certificate against (SNI, else host). */
  probeName?: string;
  error?: string;
}

export function certStatus(i: StatusInput): CertStatus {
  const s: CertStatus = { name: i.spec.name, trustOnly: i.spec.trustOnly };
  if (i.error) return { ...s, ready: false, error: i.error };
  const have = splitPem(i.bundlePem ?? '')
    .map(fingerprint)
    .sort();
  const want = i.trustedRoots.map(fingerprint).sort();
  s.bundle = { count: have.length, current: JSON.stringify(have) === JSON.stringify(want) };
  if (i.spec.trustOnly) return { ...s, ready: s.bundle.current };
  const inst = i.installed;
  const timing = {
    jitter: i.jitter,
    ...(i.spec.renewBeforeMs !== undefined ? { renewBeforeMs: i.spec.renewBeforeMs } : {}),
  };
  s.decision = renewalDecision({ now: i.now, installed: inst, activeCaId: i.activeCaId, timing });
  if (s.decision.renewAt) s.renewAt = s.decision.renewAt;
  if (inst) {
    s.serial = inst.serial;
    s.notBefore = inst.notBefore;
    s.notAfter = inst.notAfter;
    if (inst.issuerCaId) s.caId = inst.issuerCaId;
    s.keyMatches = inst.keyMatches;
  }
  if (i.probe) {
    const matches = inst ? compareServed(i.probe, inst.chainPem).matches : false;
    const verdict = judgeServed(i.probe, {
      now: i.now,
      trustedRootsPem: i.trustedRoots,
      name: i.probeName ?? '',
      ...(inst ? { installedChainPem: inst.chainPem } : {}),
    });
    const leaf = i.probe.chain[0];
    s.probe = {
      endpoint: i.probe.endpoint,
      matches,
      reason: verdict.reason,
      message: verdict.message,
      ...(leaf ? { servedSerial: leaf.serial, servedNotAfter: leaf.notAfter } : {}),
    };
  }
  // A leaf that chains to no trusted root is not ready even unprobed: no consumer accepts it.
  const trusted =
    inst !== undefined &&
    pathToTrust(
      inst.chainPem.map((p) => new X509Certificate(p)),
      i.trustedRoots.map((p) => new X509Certificate(p)),
    ) !== undefined;
  s.ready =
    inst !== undefined &&
    trusted &&
    inst.keyMatches &&
    i.now < inst.notAfter &&
    i.now >= inst.notBefore &&
    (s.probe ? s.probe.reason === 'Valid' : true);
  return s;
}
