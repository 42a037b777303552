/**
 * Delivery: getting a leaf onto a target and proving it is served. Shared by issue, renew, revoke
 * and the rotation's roll. The order is fixed: check the pair, install it as one unit, reload,
 * then probe until the endpoint serves exactly the new chain.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { CertAuthority } from './ca.js';
import type { Ctx } from './context.js';
import { tlsError } from './errors.js';
import { issueLeaf, type IssuedLeaf } from './issue.js';
import type { CertSpec } from './inventory.js';
import { compareServed } from './probe.js';
import { splitPem } from './pem.js';
import type { Issuers } from './status.js';
import type { CaDirState } from './store.js';
import type { CertMaterial, CertTarget } from './target.js';
import { inspectInstalled } from './status.js';

/** Refuses a key that does not belong to the chain's leaf: the check before any install or reload. */
export function checkPair(chainPem: string, keyPem: string, where: string): void {
  const leaf = splitPem(chainPem)[0];
  if (!leaf) throw tlsError('TLS_BAD_PEM', `${where}: tls.crt holds no certificate`);
  let ok = false;
  try {
    ok = new X509Certificate(leaf).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    ok = false;
  }
  if (!ok) throw tlsError('TLS_KEY_MISMATCH', `${where}: the private key does not match the certificate`);
}

export async function issuersOf(ctx: Ctx, state: CaDirState): Promise<Issuers> {
  const ids = [...new Set([...state.trusted, ...state.retired, ...(await ctx.store.listCaIds())])];
  const m: Issuers = new Map();
  for (const id of ids) {
    const pem = await ctx.store.issuingPem(id).catch(() => undefined);
    if (pem) m.set(id, new X509Certificate(pem));
  }
  return m;
}

/** Issues a leaf for a spec from `ca`, keeping the installed key when the spec says so, and records it. */
export async function issueFor(
  ctx: Ctx,
  spec: CertSpec,
  ca: CertAuthority,
  target: CertTarget,
  issuers: Issuers,
  maxLifetimeMs: number,
): Promise<IssuedLeaf> {
  const installed = await target.read();
  const cur = inspectInstalled(spec, installed, issuers);
  const keep = !spec.rotateKey && cur?.key && cur.keyMatches ? cur.key : undefined;
  const leaf = await issueLeaf(
    {
      name: spec.name,
      ...(spec.commonName ? { commonName: spec.commonName } : {}),
      sans: spec.sans,
      usages: spec.usages,
      algorithm: spec.algorithm,
      lifetimeMs: spec.lifetimeMs,
      maxLifetimeMs,
      ...(keep ? { key: keep } : {}),
    },
    ca,
    ctx.clock,
  );
  if (leaf.warning) ctx.log.warn(leaf.warning, { name: spec.name });
  await ctx.store.appendIssued({
    serial: leaf.serial,
    name: spec.name,
    caId: ca.id,
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    issuedAt: ctx.clock.now().toISOString(),
    ...(spec.probe ? { endpoint: spec.probe } : {}),
  });
  return leaf;
}

/** Polls the spec's endpoint until it serves `chainPem`; throws TLS_UNEXPECTED_CHAIN when it does not in time. */
export async function waitServed(ctx: Ctx, spec: CertSpec, chainPem: string): Promise<void> {
  if (!spec.probe) return;
  const want = splitPem(chainPem);
  const deadline = Date.now() + ctx.servedTimeoutMs;
  let delay = 20;
  for (;;) {
    const r = await ctx.probe(spec.probe);
    const cmp = compareServed(r, want);
    if (cmp.matches) return;
    if (Date.now() >= deadline)
      throw tlsError(
        r.reached ? 'TLS_UNEXPECTED_CHAIN' : 'TLS_PROBE_FAILED',
        `certificate ${spec.name}: ${cmp.message}`,
      );
    await new Promise((res) => setTimeout(res, delay));
    delay = Math.min(500, delay * 2);
  }
}

export async function deliver(ctx: Ctx, spec: CertSpec, target: CertTarget, m: CertMaterial): Promise<void> {
  checkPair(m.chainPem, m.keyPem, `certificate ${spec.name}`);
  await target.install(m);
  await target.reload();
  await waitServed(ctx, spec, m.chainPem);
}
