/**
 * What the jobs use of the running server, each job taking only its `Pick<>`: the control plane
 * has these fields and passes itself, but a job does not import control-plane.ts, which builds
 * the jobs (jobs.ts) and the health sweep — the import back would close a circle.
 */
import type { Catalog } from '../../catalog/index.js';
import type { EvidenceStore } from '../../catalog/evidence.js';
import type { HoldfastConfig } from '../../config/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Alerter } from '../alerts/alerter.js';
import type { ServerIncidents } from '../engines/incidents.js';
import type { RepositoryPort } from '../ports.js';

export interface JobDeps {
  catalog: Catalog;
  clock: Clock;
  config: HoldfastConfig;
  /** Holdfast's data directory (scratch space lives under it). */
  dataDir: string;
  /** The config file's directory: hooks run there. */
  configDir: string;
  /** A config path made absolute (relative paths are relative to the config file). */
  resolvePath(path: string): string;
  /** Workloads that declare this volume. */
  workloadsOf(volume: string): string[];
  evidence: Pick<EvidenceStore, 'addVerification' | 'alerts'>;
  alerter: Pick<Alerter, 'fire'>;
  incidents: Pick<ServerIncidents, 'list' | 'runningOn'>;
  /** Lends an opened repository to one run (control-plane.ts: a pool per repository). */
  withRepository<T>(name: string, fn: (repo: RepositoryPort) => Promise<T>): Promise<T>;
  /** Where a repository lives: a URL, or an absolute path. */
  repositoryLocation(name: string): string;
}
