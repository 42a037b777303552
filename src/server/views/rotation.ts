/**
 * The CA rotation as the API (GET /api/v1/tls/rotation) and the certificates page show it: each
 * gate of the recorded rotation — done, waiting (for what, until when) or still ahead — and each
 * certificate serve keeps whose move to the new CA waits for its clients to learn the new root.
 */
import type { CertificateWait } from '../scheduler/certificate-job.js';
import type { RotationView } from '../engines/ca-rotation.js';
import { rotationSteps, type RotationState } from '../../tls/index.js';

export interface GateView {
  id: string;
  phase: string;
  describe: string;
  state: 'done' | 'waiting' | 'ahead';
  for?: string | undefined;
  until?: string | undefined;
}

export interface RotationStatusView {
  rotation:
    | { id: string; oldCaId: string; newCaId: string; phase: string; startedAt: string; finishedAt?: string | undefined; gates: GateView[] }
    | undefined;
  runningHere: boolean;
  lastError: string | undefined;
  /** Serve's certificates (by policy name, and the API's own) whose renewal from the new CA waits. */
  certificates: { name: string; for: string; until: string }[];
}

/** The gates (and the propagation wait) of a rotation, with where it stands at each. Pure. */
export function gatesOf(s: RotationState): GateView[] {
  const done = new Set(s.done);
  return rotationSteps(s)
    .filter((st) => st.kind === 'gate' || st.kind === 'propagate')
    .map((st) => {
      const waiting = s.phase !== 'done' && s.waiting?.step === st.id;
      return {
        id: st.id,
        phase: st.phase,
        describe: st.describe,
        state: done.has(st.id) ? 'done' : waiting ? 'waiting' : 'ahead',
        ...(waiting ? { for: s.waiting!.for, until: s.waiting!.until } : {}),
      };
    });
}

export function rotationStatus(
  v: RotationView,
  waits: ReadonlyMap<string, CertificateWait>,
  servingCert: { name: string; wait: CertificateWait | undefined } | undefined,
): RotationStatusView {
  const r = v.rotation;
  const all = [...waits.entries(), ...(servingCert?.wait ? [[servingCert.name, servingCert.wait] as const] : [])];
  return {
    rotation: r
      ? { id: r.id, oldCaId: r.oldCaId, newCaId: r.newCaId, phase: r.phase, startedAt: r.startedAt, finishedAt: r.finishedAt, gates: gatesOf(r) }
      : undefined,
    runningHere: v.runningHere,
    lastError: v.lastError,
    certificates: all.map(([name, w]) => ({ name, for: w.for, until: w.until.toISOString() })),
  };
}
