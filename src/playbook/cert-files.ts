/**
 * The TLS engine's certificate target (src/tls/target.ts) for a certificate declared in
 * holdfast.yaml: three files (certFile, keyFile, caFile) at the paths the config names — the same
 * files `holdfast serve` renews — and the workload's reload command. Each file is written to a
 * temporary name and renamed; the key goes first, so a workload that hot-reloads (the shop does)
 * sees at worst a new key with the old certificate for a moment, refuses that pair and keeps
 * serving what it has until the certificate follows.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { conflict, errnoCode, fromSystemError } from '../base/errors.js';
import type { Clock } from '../platform/clock.js';
import { describeResult } from '../platform/local/exec.js';
import type { CertMaterial, CertTarget, InstalledMaterial } from '../tls/index.js';
import type { CertificateFacts, WorkloadFacts } from './facts.js';
import { workloadService } from './service.js';

async function readOptional(path: string | undefined): Promise<string | undefined> {
  if (!path) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw fromSystemError(`read ${path}`, e);
  }
}

async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.holdfast-tmp`, data, { mode });
    await rename(`${path}.holdfast-tmp`, path);
  } catch (e) {
    throw fromSystemError(`write ${path}`, e);
  }
}

export function configCertTarget(cert: CertificateFacts, workload: WorkloadFacts | undefined, o: { dataDir: string; clock: Clock }): CertTarget {
  return {
    location: `files ${cert.certFile}, ${cert.keyFile}`,
    async read(): Promise<InstalledMaterial> {
      const [chainPem, keyPem, caPem] = await Promise.all([readOptional(cert.certFile), readOptional(cert.keyFile), readOptional(cert.caFile)]);
      return { ...(chainPem ? { chainPem } : {}), ...(keyPem ? { keyPem } : {}), ...(caPem ? { caPem, bundlePem: caPem } : {}) };
    },
    async install(m: CertMaterial): Promise<void> {
      await writeAtomic(cert.keyFile, m.keyPem, 0o600);
      await writeAtomic(cert.certFile, m.chainPem, 0o644);
      // Clients trust caFile: during a CA rotation it holds the overlapping bundle, not one root.
      if (cert.caFile) await writeAtomic(cert.caFile, m.bundlePem ?? m.caPem, 0o644);
    },
    async installBundle(bundlePem: string): Promise<void> {
      if (cert.caFile) await writeAtomic(cert.caFile, bundlePem, 0o644);
    },
    async reload(): Promise<void> {
      if (!workload) return;
      // Not running (or no reload command): nothing to tell; it reads the new files when it starts.
      const r = await workloadService(o.dataDir, workload, o.clock).reload();
      if (r && r.exitCode !== 0) throw conflict('INCIDENT_RELOAD_FAILED', `reload workload ${workload.name} for certificate ${cert.name}: ${describeResult(r)}`);
    },
  };
}
