/**
 * Step 6: prove the outcome. The health check passes; every endpoint serves the new certificate,
 * with a key that differs from the old one, and a handshake verifying against Holdfast's trust
 * bundle succeeds; the running version is the known-good one (when the workload reports it); and
 * the volume matched the restore point's manifest when it was swapped in (compareData in src/backup/restorer/compare.ts).
 */
import { readFile } from 'node:fs/promises';
import { conflict } from '../../base/errors.js';
import { readVersion } from '../../platform/local/version.js';
import { CaStore, compareServed, probeEndpoint, splitPem } from '../../tls/index.js';
import { httpsHealth, trustedHandshake } from '../checks.js';
import type { StepKind } from './types.js';

export const verifyStep: StepKind = {
  uses: 'verify',
  describe: ({ params, facts }) => `GET ${params.healthPath} on each endpoint, probe that the new certificates are served and trusted, compare ${facts.volume.path} with the restore point's manifest`,
  async run(env) {
    const failures: string[] = [];
    const store = new CaStore(env.facts.caDir);
    const bundle = await store.bundlePem((await store.readState()).trusted);
    const rotated = ((env.outputsOf('rotate-tls')?.certificates ?? []) as { name: string; old?: { fingerprint: string; keyId: string }; new: { fingerprint: string } }[]);
    const health = [];
    const certs = [];
    for (const c of env.facts.certificates.filter((x) => x.endpoint)) {
      const ep = c.endpoint!;
      const h = await httpsHealth(ep, env.params.healthPath, bundle);
      health.push({ endpoint: `${ep.host}:${ep.port}`, ok: h.ok, status: h.status, body: h.body?.slice(0, 200) });
      if (!h.ok) failures.push(`health check ${ep.host}:${ep.port}${env.params.healthPath}: ${h.error ?? `HTTP ${h.status}`}`);
      const served = compareServed(await probeEndpoint(ep), splitPem(await readFile(c.certFile, 'utf8')));
      const trusted = await trustedHandshake(ep, bundle);
      const r = rotated.find((x) => x.name === c.name);
      const newKey = r?.old ? trusted.keyId !== r.old.keyId : undefined;
      certs.push({ name: c.name, endpoint: `${ep.host}:${ep.port}`, servesInstalled: served.matches, trusted: trusted.authorized, newKey, fingerprint: trusted.fingerprint, message: served.message });
      if (!served.matches) failures.push(`certificate ${c.name}: ${served.message}`);
      if (!trusted.authorized) failures.push(`certificate ${c.name}: a handshake trusting only Holdfast's CA failed (${trusted.error ?? 'not authorized'})`);
      if (newKey === false) failures.push(`certificate ${c.name}: the served key is the old one`);
      if (r && trusted.fingerprint !== r.new.fingerprint) failures.push(`certificate ${c.name}: ${ep.host}:${ep.port} does not serve the certificate issued by this incident`);
    }
    const versions = [];
    const expected = new Map(((env.outputsOf('restart')?.started ?? []) as { workload: string; commit?: string }[]).map((s) => [s.workload, s.commit]));
    for (const w of env.facts.workloads.filter((x) => x.config.version)) {
      const v = await readVersion(w.name, w.config.version!, { cwd: w.cwd, clock: env.clock, resolvePath: env.facts.resolvePath }).catch((e: Error) => ({ error: e.message }) as { commit?: string; error?: string });
      const want = expected.get(w.name);
      versions.push({ workload: w.name, running: v.commit, expected: want });
      if (want && v.commit !== want) failures.push(`workload ${w.name}: runs ${v.commit ?? ('error' in v ? v.error : 'an unknown version')}, expected ${want.slice(0, 12)}`);
    }
    // Compared by the restore step right after the swap, while nothing wrote: a running service may write now.
    const restored = env.outputsOf('restore') ?? {};
    const snapshotId = String(restored.snapshotId);
    const data = (restored.data ?? { entries: 0, bytes: 0, problems: ['the restore step recorded no comparison'] }) as { entries: number; bytes: number; problems: string[] };
    if (data.problems.length) failures.push(`volume ${env.facts.volume.name} differs from restore point ${snapshotId.slice(0, 12)}: ${data.problems.slice(0, 3).join('; ')}${data.problems.length > 3 ? ` (and ${data.problems.length - 3} more)` : ''}`);
    if (failures.length) throw conflict('INCIDENT_VERIFY_FAILED', `verify incident ${env.incidentId}: ${failures.join('; ')}`);
    env.log(`verified: ${health.length} health check(s), ${certs.length} certificate(s), ${data.entries} entr(ies) equal to ${snapshotId.slice(0, 12)}`);
    return { health, certificates: certs, versions, data: { snapshotId, entries: data.entries, bytes: data.bytes }, at: env.clock.now().toISOString() };
  },
  cannotUndo: 'verification only reads: nothing to undo',
};
