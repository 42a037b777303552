/**
 * What the read models (this folder) read: the catalog, the clock, the config and a few stores
 * of the running server, each view taking only its `Pick<>` of them. The control plane has all of
 * these fields and passes itself, but no view imports control-plane.ts: the control plane builds
 * the scheduler and the health sweep, which read through these views, and an import back would
 * close a circle (a view test would then load the whole server). eslint.config.js keeps it so.
 */
import type { Catalog } from '../../catalog/index.js';
import type { EvidenceStore } from '../../catalog/evidence.js';
import type { RunHistory } from '../../catalog/run-history.js';
import type { HoldfastConfig } from '../../config/index.js';
import type { Clock } from '../../platform/clock.js';
import type { ServerIncidents } from '../engines/incidents.js';
import type { ServedCertificate } from '../scheduler/certificate-job.js';
import type { WorkloadStatus } from '../workloads/supervisor.js';

export interface ReadDeps {
  catalog: Catalog;
  clock: Clock;
  config: HoldfastConfig;
  /** A config path made absolute (relative paths are relative to the config file). */
  resolvePath(path: string): string;
  runs: Pick<RunHistory, 'list' | 'running'>;
  evidence: Pick<EvidenceStore, 'verifications' | 'certificateEvents' | 'alerts'>;
  /** Verdicts by commit, kept while nothing they depend on changed (verdict.ts); cleared by every ingest. */
  verdicts: Map<string, { at: number; generation: string; value: unknown }>;
  /** When serve started: a volume without restore points is judged from then on. */
  startedAt: Date;
  incidents: Pick<ServerIncidents, 'list'>;
  /** Workloads that declare this volume. */
  workloadsOf(volume: string): string[];
  workloads: ReadonlyMap<string, { status(): WorkloadStatus }>;
  /** The certificate each endpoint served at its last probe. */
  served: ReadonlyMap<string, ServedCertificate>;
}
