/**
 * The CA rotation as data: the ordered steps of each phase, and the persisted state that says
 * which are done. Pure; rotation.ts runs the steps.
 *
 *     prepare    create the new CA; add it to the trusted set          gate: it can issue
 *     distribute bundle = old + new to every target, reload; wait the propagation period
 *                                                                      gate: every target holds both roots, endpoints still serve
 *                then make the new CA the active one
 *     reissue    a leaf from the new CA per target, staged in the CA dir gate: each chains to the new CA, key matches
 *     roll       install + reload + probe, one target at a time, budgeted gate: every endpoint serves its new leaf
 *     retire     gate first: nothing installed, served or live (issued.jsonl) chains to the old CA;
 *                then bundle = new only to every target, reload; the old CA is retired
 *
 * Every step is idempotent, so resuming re-runs the first step not recorded as done.
 */
export const PHASES = ['prepare', 'distribute', 'reissue', 'roll', 'retire'] as const;
export type Phase = (typeof PHASES)[number];

export interface RotationState {
  version: 1;
  id: string;
  oldCaId: string;
  newCaId: string;
  keepKey: boolean;
  emergency: boolean;
  /** Certificates (by name) that get a leaf; consumers (by name) that get the bundle. Fixed at start. */
  leaves: string[];
  consumers: string[];
  phase: Phase | 'done';
  done: string[];
  /** Times of roll reloads, for the budget. */
  rolls: string[];
  /** How long consumers get to re-read the bundle before a leaf from the new CA is served. */
  propagationMs?: number;
  /** When the last consumer got the bundle with both roots: the propagation period counts from here. */
  distributedAt?: string;
  /** What the rotation waits for now, for status; absent when it is not waiting. */
  waiting?: { step: string; until?: string; for: string };
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
}

export type StepKind =
  | 'create-ca'
  | 'trust-new'
  | 'gate'
  | 'bundle-both'
  | 'propagate'
  | 'activate'
  | 'reissue'
  | 'roll'
  | 'bundle-new'
  | 'retire-ca';

export interface Step {
  id: string;
  phase: Phase;
  kind: StepKind;
  target?: string;
  describe: string;
}

export function rotationSteps(
  s: Pick<RotationState, 'oldCaId' | 'newCaId' | 'leaves' | 'consumers' | 'keepKey'>,
): Step[] {
  const steps: Step[] = [];
  const add = (phase: Phase, kind: StepKind, describe: string, target?: string) =>
    steps.push({
      id: target ? `${phase}:${kind}:${target}` : `${phase}:${kind}`,
      phase,
      kind,
      describe,
      ...(target ? { target } : {}),
    });
  add(
    'prepare',
    'create-ca',
    `create CA ${s.newCaId}${s.keepKey ? ` re-signing the keys of ${s.oldCaId}` : ' with new keys'}`,
  );
  add('prepare', 'trust-new', `trust ${s.newCaId} alongside ${s.oldCaId}`);
  add('prepare', 'gate', `verify ${s.newCaId} is valid and its keys match`);
  for (const t of s.consumers)
    add(
      'distribute',
      'bundle-both',
      `install bundle {${s.oldCaId}, ${s.newCaId}} into ${t} and reload it`,
      t,
    );
  add(
    'distribute',
    'propagate',
    'wait the propagation period, so consumers that re-read their bundle on their own (a kubelet-synced ConfigMap, a client that reloads every minute) have both roots',
  );
  add('distribute', 'gate', 'verify every target holds both roots and every endpoint still serves');
  add('distribute', 'activate', `make ${s.newCaId} the issuing CA`);
  for (const t of s.leaves) add('reissue', 'reissue', `issue ${t} from ${s.newCaId} and stage it`, t);
  add('reissue', 'gate', `verify every staged leaf chains to ${s.newCaId} and matches its key`);
  for (const t of s.leaves)
    add('roll', 'roll', `install the new ${t}, reload it, probe that it serves the new leaf (budgeted)`, t);
  add('roll', 'gate', 'verify every endpoint serves its new leaf');
  add(
    'retire',
    'gate',
    `verify nothing installed, served (probed, also at the endpoints other issuers recorded) or live in issued.jsonl (whoever issued it) chains to ${s.oldCaId}; wait for other issuers (holdfast serve) to renew theirs and their workloads to serve the new leaves`,
  );
  for (const t of s.consumers)
    add('retire', 'bundle-new', `install bundle {${s.newCaId}} into ${t} and reload it`, t);
  add('retire', 'retire-ca', `retire ${s.oldCaId}`);
  return steps;
}

export function remainingSteps(s: RotationState): Step[] {
  const done = new Set(s.done);
  return rotationSteps(s).filter((st) => !done.has(st.id));
}

export function formatPlan(s: RotationState, resumed: boolean): string {
  const rest = remainingSteps(s);
  const lines = [
    resumed
      ? `rotation ${s.id}: resuming at phase ${s.phase}; ${rest.length} step(s) left`
      : `rotation ${s.id}: ${s.oldCaId} -> ${s.newCaId}; ${rest.length} step(s)`,
  ];
  let phase = '';
  for (const st of rest) {
    if (st.phase !== phase) lines.push(`${(phase = st.phase)}:`);
    lines.push(`  - ${st.describe}`);
  }
  return lines.join('\n');
}

/**
 * Why a persisted state cannot be resumed, or undefined. The runner records steps in order, so
 * `done` is always a prefix of the steps; a state where it is not (a step skipped, an unknown id)
 * was written by hand or damaged, and resuming it could serve a leaf no consumer trusts yet.
 */
export function stateProblem(s: RotationState): string | undefined {
  const str = (v: unknown) => typeof v === 'string' && v.length > 0;
  const names = (v: unknown) => Array.isArray(v) && v.every(str);
  if (!str(s.id) || !str(s.oldCaId) || !str(s.newCaId) || s.oldCaId === s.newCaId)
    return 'id, oldCaId and newCaId must be distinct names';
  if (!names(s.leaves) || !names(s.consumers) || !names(s.done) || !Array.isArray(s.rolls))
    return 'leaves, consumers, done and rolls must be lists';
  if (typeof s.keepKey !== 'boolean' || typeof s.emergency !== 'boolean') return 'keepKey and emergency must be true or false';
  const ids = rotationSteps(s).map((st) => st.id);
  const i = s.done.findIndex((d, k) => ids[k] !== d);
  if (i >= 0) return `step ${s.done[i]} is recorded as done out of order (expected ${ids[i] ?? 'nothing'} there)`;
  return undefined;
}
