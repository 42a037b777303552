/**
 * Step 5: new certificates with new keys for the volume's workloads, from Holdfast's CA (the
 * directory `holdfast serve` issues from), through the TLS engine: issue, install, reload, and
 * probe until the endpoint serves exactly the new chain. With --rotate-ca the engine's resumable
 * CA rotation runs instead (trust bundles overlap old and new CA while leaves roll).
 *
 * The certificate it replaces is copied into the incident directory first and journaled, so a
 * re-run knows what was there, and a new certificate that is not served is taken back out: the old
 * one goes back in, and the run stops, saying so.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { conflict } from '../../base/errors.js';
import { CaStore, commonNameIfSan, parseSpec, TlsEngine, type CertSpec } from '../../tls/index.js';
import { configCertTarget } from '../cert-files.js';
import type { CertificateFacts } from '../facts.js';
import { keyIdOf } from '../checks.js';
import type { StepEnv, StepKind } from './types.js';

interface Before {
  fingerprint: string;
  serial: string;
  keyId: string;
  saved: string;
}

function specOf(c: CertificateFacts): CertSpec {
  // As serve issues it: the config's commonName is the CN only when it is one of the names.
  const commonName = commonNameIfSan(c.config.commonName, { dns: c.config.dnsNames, ip: c.config.ipAddresses, uri: [] });
  return parseSpec(
    {
      name: c.name,
      ...(commonName ? { commonName } : {}),
      dnsNames: c.config.dnsNames,
      ipAddresses: c.config.ipAddresses,
      lifetime: `${Math.max(1, Math.round(c.config.validity / 1000))}s`,
      rotateKey: true,
      outDir: dirname(c.certFile),
      ...(c.endpoint ? { probe: { host: c.endpoint.host, port: c.endpoint.port, ...(c.endpoint.serverName ? { serverName: c.endpoint.serverName } : {}) } } : {}),
    },
    dirname(c.certFile),
  );
}

function engineFor(env: StepEnv): TlsEngine {
  const byName = new Map(env.facts.certificates.map((c) => [c.name, c]));
  return new TlsEngine({
    store: new CaStore(env.facts.caDir),
    clock: env.clock,
    // How long a reloaded workload may take to serve the new chain (the playbook's `with.servedTimeoutMs`).
    servedTimeoutMs: typeof env.with.servedTimeoutMs === 'number' ? env.with.servedTimeoutMs : 15_000,
    // An incident rotates the config's certificate files, whose clients re-read ca.crt per connection:
    // no propagation wait unless the playbook asks (`with.propagationMs`); the CLI's default is 3m.
    rotationTimings: { propagationMs: typeof env.with.propagationMs === 'number' ? env.with.propagationMs : 0 },
    targets: (spec) => {
      const c = byName.get(spec.name);
      if (!c) throw conflict('INCIDENT_UNKNOWN_CERT', `rotate certificate ${spec.name}: not a certificate of volume ${env.facts.volume.name}'s workloads`);
      return configCertTarget(c, env.facts.workloads.find((w) => w.name === c.config.workload), { dataDir: env.facts.dataDir, clock: env.clock });
    },
  });
}

const describe = (pem: string) => {
  const x = new X509Certificate(pem);
  return { fingerprint: x.fingerprint256, serial: x.serialNumber.toLowerCase(), keyId: keyIdOf(x), notAfter: new Date(x.validTo).toISOString() };
};

/** Puts the saved certificate back and reloads: what "keep serving the old one" means. */
async function putBack(env: StepEnv, c: CertificateFacts, saved: string): Promise<void> {
  const t = configCertTarget(c, env.facts.workloads.find((w) => w.name === c.config.workload), { dataDir: env.facts.dataDir, clock: env.clock });
  const [chainPem, keyPem, caPem] = await Promise.all(['tls.crt', 'tls.key', 'ca.crt'].map((f) => readFile(join(saved, f), 'utf8').catch(() => '')));
  await t.install({ chainPem: chainPem!, keyPem: keyPem!, caPem: caPem! });
  await t.reload();
}

export const rotateTlsStep: StepKind = {
  uses: 'rotate-tls',
  describe: ({ facts, params }) =>
    facts.certificates.length === 0
      ? 'no certificate belongs to these workloads: nothing to rotate'
      : `issue new keys and certificates for ${facts.certificates.map((c) => `${c.name} (${c.certFile}${c.endpoint ? `, served on ${c.endpoint.host}:${c.endpoint.port}` : ''})`).join(', ')}${params.rotateCa ? ', and rotate the CA with overlapping trust bundles' : ''}`,
  precondition: ({ facts }) =>
    facts.certificates.length > 0 && !existsSync(join(facts.caDir, 'ca.json')) ? `${facts.caDir} holds no CA to issue the new certificates from (start holdfast serve once, or holdfast tls init-ca there)` : undefined,
  async run(env) {
    const store = new CaStore(env.facts.caDir);
    if (!(await store.exists())) throw conflict('INCIDENT_NO_CA', `rotate TLS: ${env.facts.caDir} holds no CA (start holdfast serve once, or holdfast tls init-ca there)`);
    const before = (env.progress.before ?? {}) as Record<string, Before>;
    for (const c of env.facts.certificates) {
      if (before[c.name]) continue;
      const pem = await readFile(c.certFile, 'utf8').catch(() => undefined);
      if (!pem) continue;
      const saved = join(env.facts.incidentsDir, env.incidentId, 'tls-previous', c.name);
      await mkdir(saved, { recursive: true, mode: 0o700 });
      await writeFile(join(saved, 'tls.crt'), pem);
      await writeFile(join(saved, 'tls.key'), await readFile(c.keyFile, 'utf8'), { mode: 0o600 });
      if (c.caFile) await writeFile(join(saved, 'ca.crt'), await readFile(c.caFile, 'utf8'));
      before[c.name] = { ...describe(pem), saved };
    }
    env.recordProgress({ before });
    const engine = engineFor(env);
    const rotated = [];
    for (const c of env.facts.certificates) {
      const b = before[c.name];
      const now = await readFile(c.certFile, 'utf8').catch(() => undefined);
      const already = b && now && describe(now).fingerprint !== b.fingerprint;
      try {
        if (!already) await engine.issue(c.name, specOf(c));
        else env.log(`${c.name}: already rotated by an earlier attempt`);
        await env.hold('installed');
      } catch (e) {
        if (b) await putBack(env, c, b.saved);
        throw conflict('INCIDENT_TLS_NOT_SERVED', `rotate certificate ${c.name}: ${(e as Error).message}; ${b ? `the previous certificate (serial ${b.serial}) is installed again and served` : 'there was no previous certificate'}; the run stopped at rotate-tls (resume once fixed, or abort)`, e);
      }
      const after = describe(await readFile(c.certFile, 'utf8'));
      rotated.push({ name: c.name, endpoint: c.endpoint ? `${c.endpoint.host}:${c.endpoint.port}` : undefined, old: b ? { serial: b.serial, fingerprint: b.fingerprint, keyId: b.keyId } : undefined, new: after });
      env.log(`${c.name}: serial ${b?.serial ?? '(none)'} -> ${after.serial}, new key ${after.keyId.slice(0, 16)}`);
    }
    let caRotation: Record<string, unknown> | undefined;
    if (env.params.rotateCa) {
      const r = await engine.rotateCa({ budget: { max: Number.MAX_SAFE_INTEGER, windowMs: 1 } });
      caRotation = { id: r.id, finished: r.finished, reissued: r.reissued, resumed: r.resumed };
      // The rotation reissued every leaf from the new CA: what is installed now is what was issued.
      for (const r2 of rotated) r2.new = describe(await readFile(env.facts.certificates.find((c) => c.name === r2.name)!.certFile, 'utf8'));
      env.log(`CA rotation ${r.id}: ${r.finished ? 'finished' : 'not finished'}, reissued ${r.reissued.join(', ') || 'nothing'}`);
    }
    return { certificates: rotated, ...(caRotation ? { caRotation } : {}) };
  },
  async undo(env, outputs) {
    const before = (env.progress.before ?? {}) as Record<string, Before>;
    const done = [];
    for (const c of env.facts.certificates) {
      if (!before[c.name]) continue;
      await putBack(env, c, before[c.name]!.saved);
      done.push(`${c.name} (serial ${before[c.name]!.serial})`);
    }
    const ca = outputs.caRotation ? '; the CA rotation cannot be undone (the new CA stays; the old one stays trusted until the rotation retires it)' : '';
    return `previous certificates installed again: ${done.join(', ') || 'none'}${ca}`;
  },
};
