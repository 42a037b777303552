/**
 * What an incident acts on, read from holdfast.yaml: the volume, the workloads that mount it, the
 * repository its backup policy writes to, the certificates of those workloads, and where Holdfast
 * keeps its catalog, CA and incident files (the same places `holdfast serve` uses).
 */
import { dirname, join } from 'node:path';
import { invalidInput } from '../base/errors.js';
import type { CertificateConfig, LoadedConfig, SecretRef, WorkloadConfig } from '../config/index.js';
import type { VerdictTarget } from '../sast/index.js';

export interface IncidentParams {
  volume: string;
  target: VerdictTarget;
  onUnknown: 'refuse' | 'skip';
  /** Consider restore points marked suspicious by their change signals (the operator's override). */
  allowSuspicious?: boolean | undefined;
  rotateCa: boolean;
  /** The version to restart on, named by the operator; else the one the restore point records. */
  knownGood?: { commit?: string; imageDigest?: string } | undefined;
  /** Path of the workloads' HTTP health check on their certificate endpoint. */
  healthPath: string;
}

export interface WorkloadFacts {
  name: string;
  config: WorkloadConfig;
  cwd: string;
}

export interface CertificateFacts {
  name: string;
  config: CertificateConfig;
  certFile: string;
  keyFile: string;
  caFile: string | undefined;
  endpoint: { host: string; port: number; serverName?: string } | undefined;
}

export interface IncidentFacts {
  configFile: string;
  volume: { name: string; path: string };
  workloads: WorkloadFacts[];
  repository: { name: string; location: string; password: SecretRef };
  certificates: CertificateFacts[];
  dataDir: string;
  catalogFile: string;
  caDir: string;
  incidentsDir: string;
  resolvePath(p: string): string;
}

export function parseEndpoint(ep: string, serverName?: string): { host: string; port: number; serverName?: string } {
  const i = ep.lastIndexOf(':');
  return { host: ep.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(ep.slice(i + 1)), ...(serverName ? { serverName } : {}) };
}

export function gatherFacts(loaded: LoadedConfig, volume: string): IncidentFacts {
  const { config, resolvePath } = loaded;
  const vol = config.volumes[volume];
  if (!vol) throw invalidInput('INCIDENT_UNKNOWN_VOLUME', `incident: no volume named "${volume}" in ${loaded.file} (known: ${Object.keys(config.volumes).join(', ') || 'none'})`);
  const workloads = Object.entries(config.workloads)
    .filter(([, w]) => w.volumes.includes(volume))
    .map(([name, w]) => ({ name, config: w, cwd: resolvePath(w.cwd ?? '.') }));
  const policy = Object.values(config.backupPolicies).find((p) => p.volumes.includes(volume));
  if (!policy) throw invalidInput('INCIDENT_NO_REPOSITORY', `incident on volume ${volume}: no backup policy in ${loaded.file} backs it up, so there is nothing to restore from`);
  const repo = config.repositories[policy.repository]!;
  const names = new Set(workloads.map((w) => w.name));
  const certificates = Object.entries(config.certificates)
    .filter(([, c]) => c.workload && names.has(c.workload))
    .map(([name, c]) => ({
      name,
      config: c,
      certFile: resolvePath(c.certFile),
      keyFile: resolvePath(c.keyFile),
      caFile: c.caFile ? resolvePath(c.caFile) : undefined,
      endpoint: c.endpoint ? parseEndpoint(c.endpoint, c.dnsNames[0] ?? c.commonName) : undefined,
    }));
  const dataDir = resolvePath(config.server.dataDir);
  return {
    configFile: loaded.file,
    volume: { name: volume, path: resolvePath(vol.path) },
    workloads,
    repository: { name: policy.repository, location: /^[a-z0-9]+:/.test(repo.location) ? repo.location : resolvePath(repo.location), password: repo.password },
    certificates,
    dataDir,
    catalogFile: join(dataDir, 'catalog.db'),
    caDir: join(dataDir, 'ca'),
    incidentsDir: join(dataDir, 'incidents'),
    resolvePath,
  };
}

/** Where a restore is staged and where the replaced data waits: beside the volume, so a rename can swap them. */
export function swapPaths(volumePath: string, incidentId: string) {
  const base = join(dirname(volumePath), `.${volumePath.split('/').pop()}`);
  return { scratch: `${base}.holdfast-restore-${incidentId}`, old: `${base}.holdfast-old-${incidentId}`, restored: `${base}.holdfast-restore-${incidentId}.complete` };
}
