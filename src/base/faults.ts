/**
 * Named fault points: the steps whose order is a safety argument (prune's "index rewritten before
 * any pack is deleted", init's "config published last") call `await faultPoint('prune:…')`, so a
 * test can stop a real process at exactly that step instead of hoping a random kill lands there.
 *
 * Armed only from the environment of a test, never by a user:
 * - `HOLDFAST_FAULT="<point>[@N]=kill"` — SIGKILL this process the Nth time (default 1st) it reaches
 *   the point; several specs are separated by commas;
 * - `HOLDFAST_FAULT="<point>[@N]=pause:<file>"` — write `<file>.reached`, then wait until `<file>`
 *   exists (the test runs its interleaving meanwhile), then go on;
 * - `HOLDFAST_FAULT_TRACE=<file>` — append every point reached, one per line, so a suite can list
 *   the points of a command and then kill at each.
 * Unarmed, a point costs one branch.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

type Action = { kind: 'kill' } | { kind: 'pause'; file: string };
interface Spec {
  point: string;
  nth: number;
  action: Action;
}

function parseSpecs(raw: string | undefined): Spec[] {
  if (!raw) return [];
  return raw
    .split(',')
    .filter(Boolean)
    .map((s) => {
      const eq = s.indexOf('=');
      const [point, nth] = s.slice(0, eq).split('@');
      const act = s.slice(eq + 1);
      const action: Action = act === 'kill' ? { kind: 'kill' } : { kind: 'pause', file: act.replace(/^pause:/, '') };
      return { point: point!, nth: nth ? Number(nth) : 1, action };
    });
}

const specs = parseSpecs(process.env.HOLDFAST_FAULT);
const trace = process.env.HOLDFAST_FAULT_TRACE;
const armed = specs.length > 0 || !!trace;
const hits = new Map<string, number>();

export async function faultPoint(point: string): Promise<void> {
  if (!armed) return;
  if (trace) appendFileSync(trace, point + '\n');
  const n = (hits.get(point) ?? 0) + 1;
  hits.set(point, n);
  for (const s of specs) {
    if (s.point !== point || s.nth !== n) continue;
    if (s.action.kind === 'kill') process.kill(process.pid, 'SIGKILL');
    else {
      writeFileSync(`${s.action.file}.reached`, point);
      while (!existsSync(s.action.file)) await sleep(20);
    }
  }
}
