/** How workloads read where people look: the overview's problems and /readyz. */
import { isDown } from '../workloads/decide.js';
import type { WorkloadStatus } from '../workloads/supervisor.js';

/** One line per workload that should serve and does not: what it is doing and why. */
export function workloadProblems(workloads: readonly WorkloadStatus[]): string[] {
  return workloads.filter((w) => isDown(w.state)).map((w) => `workload ${w.name}: ${w.state} since ${w.since}: ${w.message}`);
}
