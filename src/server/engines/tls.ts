/**
 * Binds the certificate port to Holdfast's CA (src/tls): a CA directory created on first use (one
 * root, ECDSA P-256, 5 years), leaves issued from its active generation and recorded in its
 * issued log, and its CRLs kept fresh (re-signed at half their validity; serve's health sweep looks every 10 minutes). CA rotation and revocation stay with `holdfast tls`; the control plane only issues.
 *
 * What a client gets as its CA file is the CA's whole trusted set, never only the root of the leaf
 * just issued: during a rotation (driven by `holdfast tls rotate-ca` on this same directory) the
 * other root still signs leaves that are served, and a bundle without it breaks those clients.
 */
import { X509Certificate } from 'node:crypto';
import {
  CaStore,
  commonNameIfSan,
  createAuthority,
  DEFAULT_KEY_ALGORITHM,
  DEFAULT_MAX_LIFETIME_MS,
  issueLeaf,
  newCaId,
  refreshCrls,
  TlsEngine,
  withCaLock,
  type CertAuthority,
  type EngineDeps,
} from '../../tls/index.js';
import { LocalCertTarget } from '../../platform/local/cert-target.js';
import type { Clock } from '../../platform/clock.js';
import type { CertificatePort } from '../ports.js';

/**
 * The TLS engine over a CA directory on this machine, its inventory's certificates installed as
 * files (platform/local): what `holdfast tls` runs, and what serve runs a CA rotation with.
 */
export function localTlsEngine(caDir: string, deps: Partial<Omit<EngineDeps, 'store' | 'targets'>> = {}): TlsEngine {
  return new TlsEngine({
    store: new CaStore(caDir),
    targets: (spec) =>
      new LocalCertTarget({ name: spec.name, outDir: spec.outDir, ...(spec.reload ? { reload: spec.reload } : {}) }),
    ...deps,
  });
}

async function activeCa(store: CaStore, clock: Clock): Promise<CertAuthority> {
  if (await store.exists()) return store.loadCa((await store.readState()).active);
  const config = {
    commonName: 'Holdfast local CA',
    algorithm: DEFAULT_KEY_ALGORITHM,
    lifetimeMs: 5 * 365 * 86_400_000,
    intermediate: false,
  };
  const ca = await createAuthority({ id: newCaId(clock.now()), ...config }, clock);
  await store.saveCa(ca);
  await store.writeState({ version: 1, config, active: ca.id, trusted: [ca.id], retired: [], renewals: [] });
  await refreshCrls(store, clock, [ca.id]); // a new CA publishes its (empty) CRL from the start
  return ca;
}

async function trustBundle(store: CaStore): Promise<string> {
  if (!(await store.exists())) return '';
  return store.bundlePem((await store.readState()).trusted);
}

export function tlsEngine(clock: Clock): CertificatePort {
  // One issuance at a time per process: two first uses must not create two CAs.
  let chain: Promise<unknown> = Promise.resolve();
  return {
    issue(o) {
      const run = () => withCaLock(o.caDir, 'holdfast serve (issue)', async () => {
        const store = new CaStore(o.caDir);
        const ca = await activeCa(store, clock);
        const sans = { dns: o.dnsNames, ip: o.ipAddresses, uri: [] };
        // The policy's commonName names the certificate; it is the subject CN only when it is
        // also one of its SANs (a CN that is not a SAN is a name no client checks, and lints say so).
        const commonName = commonNameIfSan(o.commonName, sans);
        const leaf = await issueLeaf(
          {
            name: o.commonName,
            ...(commonName ? { commonName } : {}),
            sans,
            usages: ['serverAuth'],
            algorithm: DEFAULT_KEY_ALGORITHM,
            lifetimeMs: o.validityMs,
            maxLifetimeMs: o.maxValidity?.ms ?? DEFAULT_MAX_LIFETIME_MS,
            capSetting: o.maxValidity?.setting ?? null,
          },
          ca,
          clock,
        );
        await store.appendIssued({
          serial: leaf.serial,
          name: o.inventoryName,
          caId: ca.id,
          notBefore: leaf.notBefore.toISOString(),
          notAfter: leaf.notAfter.toISOString(),
          issuedAt: clock.now().toISOString(),
          // Also ends the replaced leaf when an older serve recorded it under its commonName.
          ...(o.replaces ? { replaces: o.replaces.toLowerCase() } : {}),
          ...(o.endpoint ? { endpoint: o.endpoint } : {}),
        });
        return {
          certPem: leaf.chainPem,
          keyPem: leaf.keyPem,
          caPem: await trustBundle(store),
          serial: leaf.serial,
          notAfter: leaf.notAfter,
          fingerprint256: new X509Certificate(leaf.certPem).fingerprint256,
          ...(leaf.warning ? { warning: leaf.warning } : {}),
        };
      });
      const p = chain.then(run, run);
      chain = p.catch(() => undefined);
      return p;
    },
    trustBundle: (caDir) => trustBundle(new CaStore(caDir)),
    async refreshCrls(caDir) {
      const store = new CaStore(caDir);
      if (!(await store.exists())) return [];
      return withCaLock(caDir, 'holdfast serve (CRL refresh)', () => refreshCrls(store, clock));
    },
    async propagationMs(caDir) {
      const store = new CaStore(caDir);
      if (!(await store.exists())) return 0;
      const rotation = await store.readJson<{ propagationMs?: unknown }>(store.rotationPath);
      if (typeof rotation?.propagationMs === 'number') return rotation.propagationMs;
      return (await store.readInventory()).rotation.propagationMs;
    },
    async activeIssuer(caDir) {
      const store = new CaStore(caDir);
      if (!(await store.exists())) return undefined;
      return store.issuingPem((await store.readState()).active);
    },
  };
}
