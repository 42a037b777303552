/**
 * Step 4c: start the workloads again on a known-good version — the one the chosen restore point
 * records for each, or the one the operator named — record that deployment in the catalog, and
 * wait until the health check passes: that moment ends the write outage.
 */
import { readFile } from 'node:fs/promises';
import { conflict } from '../../base/errors.js';
import type { IncidentFacts, IncidentParams } from '../facts.js';
import { waitHealthy } from '../checks.js';
import { startWorkload, stopWorkload } from '../service.js';
import type { Outputs, StepKind } from './types.js';

type Version = { commit?: string | undefined; imageDigest?: string | undefined };

/** The version each workload restarts on; refuses when neither the restore point nor the operator says. */
export function knownGoodVersions(facts: IncidentFacts, params: IncidentParams, choice: Outputs | undefined): Map<string, Version> {
  const recorded = ((choice?.provenance as { workloads?: (Version & { workload: string })[] } | undefined)?.workloads ?? []);
  const out = new Map<string, Version>();
  for (const w of facts.workloads) {
    const v = params.knownGood ?? recorded.find((r) => r.workload === w.name);
    if (!v?.commit) throw conflict('INCIDENT_NO_KNOWN_GOOD', `restart workload ${w.name}: the restore point records no commit for it; name the version to run with --known-good-commit`);
    out.set(w.name, { commit: v.commit, imageDigest: v.imageDigest });
  }
  return out;
}

export const restartStep: StepKind = {
  uses: 'restart',
  describe: ({ facts, params }) => `start ${facts.workloads.map((w) => w.name).join(', ')} on ${params.knownGood?.commit ? `version ${params.knownGood.commit.slice(0, 12)} (named by the operator)` : 'the version the restore point records'} and wait for GET ${params.healthPath}`,
  precondition: ({ facts }) => {
    const w = facts.workloads.find((x) => !x.config.start);
    return w ? `workload ${w.name} has no start command in ${facts.configFile}: the playbook could stop it but not start it again` : undefined;
  },
  async run(env) {
    const versions = knownGoodVersions(env.facts, env.params, env.outputsOf('choose-restore-point'));
    const started = [];
    for (const w of env.facts.workloads) {
      const v = versions.get(w.name)!;
      const s = await startWorkload(env.facts.dataDir, w, v, env.env, env.clock);
      const open = env.catalog.deployments.timeline(w.name).find((d) => !d.endedAt);
      if (open?.commit !== v.commit) {
        env.catalog.deployments.record({ workload: w.name, commit: v.commit!, imageDigest: v.imageDigest, at: env.clock.now(), volumes: [env.facts.volume.name] });
        env.catalog.audit.append({ actor: 'playbook', action: 'deploy.record', object: `workload:${w.name}`, details: { commit: v.commit, incident: env.incidentId } });
      }
      for (const c of env.facts.certificates.filter((x) => x.config.workload === w.name && x.endpoint && x.caFile)) {
        const h = await waitHealthy(c.endpoint!, env.params.healthPath, await readFile(c.caFile!, 'utf8'));
        if (!h.ok) throw conflict('INCIDENT_UNHEALTHY', `restart workload ${w.name}: GET https://${c.endpoint!.host}:${c.endpoint!.port}${env.params.healthPath} did not pass (${h.error ?? `HTTP ${h.status}`}); see ${s.logFile}`);
      }
      env.log(`started ${w.name} (pid ${s.pid}) on ${v.commit!.slice(0, 12)}; healthy`);
      started.push({ workload: w.name, pid: s.pid, commit: v.commit, imageDigest: v.imageDigest, log: s.logFile });
    }
    return { started, healthyAt: env.clock.now().toISOString() };
  },
  async undo(env) {
    const out = [];
    for (const w of env.facts.workloads) out.push(`${w.name}: ${(await stopWorkload(env.facts.dataDir, w, env.clock)).how}`);
    return `stopped ${out.join(', ')}`;
  },
};
