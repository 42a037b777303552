/**
 * Step 4a: stop the workloads that write the volume, so the sealed evidence and the restore see a
 * volume nobody writes. Undo starts them again on the version they ran before.
 */
import { conflict } from '../../base/errors.js';
import { connect } from 'node:net';
import { startWorkload, stopWorkload } from '../service.js';
import { runningVersions } from './evidence.js';
import type { StepKind } from './types.js';

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export const quiesceStep: StepKind = {
  uses: 'quiesce',
  describe: ({ facts }) => `stop ${facts.workloads.map((w) => w.name).join(', ') || '(no workload)'} (the writers of ${facts.volume.name})`,
  async run(env) {
    // The versions are journaled before the stop: after it nothing tells what ran.
    const versions = env.progress.versions ?? runningVersions(env.catalog, env.facts);
    env.recordProgress({ versions });
    const stopped = [];
    for (const w of env.facts.workloads) {
      const r = await stopWorkload(env.facts.dataDir, w, env.clock);
      // A service someone else started, with no stop command, is still writing: refuse rather than restore under it.
      for (const c of env.facts.certificates.filter((x) => x.config.workload === w.name && x.endpoint)) {
        if (await listening(c.endpoint!.host, c.endpoint!.port))
          throw conflict('INCIDENT_CANNOT_QUIESCE', `quiesce workload ${w.name}: ${c.endpoint!.host}:${c.endpoint!.port} still accepts connections after the stop (${r.how}); give the workload a stop command`);
      }
      env.log(`stopped ${w.name}: ${r.how}`);
      stopped.push({ workload: w.name, how: r.how });
    }
    return { stopped, at: env.clock.now().toISOString(), previousVersions: versions };
  },
  async undo(env, outputs) {
    const prev = (outputs.previousVersions ?? []) as { workload: string; commit?: string; imageDigest?: string }[];
    const started = [];
    for (const w of env.facts.workloads) {
      const v: { commit?: string; imageDigest?: string } = prev.find((p) => p.workload === w.name) ?? {};
      const s = await startWorkload(env.facts.dataDir, w, v, env.env, env.clock);
      started.push(`${w.name} (pid ${s.pid}, version ${v.commit?.slice(0, 12) ?? 'as configured'})`);
    }
    return `started again: ${started.join(', ') || 'nothing'}`;
  },
};
