/**
 * The retire gate: the old root may leave the trust bundles only when nothing still depends on it.
 * Two things can: a leaf from the old CA that its issuer has not replaced yet (the CA's inventory,
 * live-leaves.ts), and an endpoint that still serves one although its replacement was issued (a
 * workload not reloaded yet: serve wrote the new files, the process still holds the old ones). The
 * first is read from issued.jsonl, the second only by probing what each recorded endpoint serves.
 * Pure: the rotation waits on it and shows its message in status while it waits.
 */
import type { IssuedRecord } from './store.js';

/** An endpoint seen serving a leaf from the old CA. */
export interface ServingOld {
  /** The certificate name it was recorded under (serve/web). */
  name: string;
  /** host:port as probed. */
  endpoint: string;
  serial: string;
}

export interface RetireGateDecision {
  open: boolean;
  /** What it waits for when closed; why it is open otherwise. */
  message: string;
}

export function retireGateDecision(i: { oldCaId: string; newCaId: string; live: IssuedRecord[]; servingOld: ServingOld[] }): RetireGateDecision {
  const waits: string[] = [];
  if (i.live.length)
    waits.push(
      `${i.live.map((r) => `${r.name} (serial ${r.serial.slice(0, 16)}…, issued ${r.issuedAt})`).join(', ')} still live from ${i.oldCaId}; its issuer must renew it first (holdfast serve does on its next certificate check)`,
    );
  if (i.servingOld.length)
    waits.push(
      `${i.servingOld.map((e) => `${e.endpoint} (${e.name}) serves serial ${e.serial.slice(0, 16)}…`).join(', ')} from ${i.oldCaId}; its workload must reload the leaf from ${i.newCaId} first`,
    );
  if (waits.length) return { open: false, message: waits.join('; ') };
  return { open: true, message: `no live leaf from ${i.oldCaId}, and no recorded endpoint serves one` };
}
