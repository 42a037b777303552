/**
 * Every CA publishes a CRL from the start and keeps it fresh: a relying party that checks CRLs
 * (Node with `crl`, OpenSSL with -crl_check_all) rejects every certificate once its CRL passes
 * nextUpdate, so an unrefreshed list is an outage on a timer. A list is re-signed once half its
 * validity has passed (3.5 days of 7), by `holdfast tls renew` and by serve's health sweep (every 10 minutes, whether or not certificates
 * are configured).
 */
import { X509Certificate } from 'node:crypto';
import type { Clock } from '../platform/clock.js';
import { createCrl } from './crl.js';
import { readText } from './files.js';
import { x509 } from './keys.js';
import type { CaStore, RevokedEntry } from './store.js';

/** Pure: a CRL is due when missing, unreadable, or past half of its validity. */
export function crlDue(pem: string | undefined, now: Date): boolean {
  if (!pem) return true;
  try {
    const der = Buffer.from(pem.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const crl = new x509.X509Crl(der);
    const from = crl.thisUpdate.getTime();
    const to = crl.nextUpdate?.getTime();
    if (to === undefined) return true;
    return now.getTime() >= from + (to - from) / 2;
  } catch {
    return true;
  }
}

/** The key under which revoked.json keeps what a root revoked (its intermediates). */
export const rootListKey = (caId: string) => `${caId}:root`;

/** Re-signs the due CRLs of every trusted CA and every retired CA whose root is still valid; returns the paths written. */
export async function refreshCrls(store: CaStore, clock: Clock, only?: string[]): Promise<string[]> {
  const now = clock.now();
  const state = await store.readState();
  const revoked = await store.readRevoked();
  const written: string[] = [];
  for (const id of only ?? [...new Set([...state.trusted, ...state.retired])]) {
    if (!(await store.hasCa(id))) continue;
    const root = new X509Certificate(await store.rootPem(id));
    if (Date.parse(root.validTo) <= now.getTime()) continue;
    const hasIntermediate = (await store.issuingPem(id)) !== (await store.rootPem(id));
    const lists: ['issuing' | 'root', RevokedEntry[]][] = [['issuing', revoked[id] ?? []]];
    if (hasIntermediate) lists.push(['root', revoked[rootListKey(id)] ?? []]);
    const due = [];
    for (const [which, entries] of lists)
      if (crlDue(await readText(store.crlPath(id, which)), now)) due.push({ which, entries });
    if (!due.length) continue;
    const ca = await store.loadCa(id);
    for (const { which, entries } of due) {
      await store.writeCrl(id, await createCrl(ca, entries, now, Math.floor(now.getTime() / 1000), which), which);
      written.push(store.crlPath(id, which));
    }
  }
  return written;
}
