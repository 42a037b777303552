/**
 * The CA's inventory of what it signed, whoever issued it: `issued.jsonl` is appended by the CLI,
 * by a rotation's reissue and by `holdfast serve`. A leaf is *live* while it is the newest one
 * issued under its name, has not been replaced (a newer record's `replaces` names its serial), has
 * not expired and is not revoked: something may be serving it. A CA with a live leaf must stay in
 * every trust bundle. Pure.
 */
import type { IssuedRecord, RevokedEntry } from './store.js';

export function liveLeaves(
  issued: IssuedRecord[],
  revoked: Record<string, RevokedEntry[]>,
  now: Date,
): IssuedRecord[] {
  const newest = new Map<string, IssuedRecord>();
  for (const r of issued) {
    const cur = newest.get(r.name);
    if (!cur || Date.parse(r.issuedAt) >= Date.parse(cur.issuedAt)) newest.set(r.name, r);
  }
  const replaced = new Set(issued.flatMap((r) => (r.replaces ? [r.replaces] : [])));
  const isRevoked = (r: IssuedRecord) => (revoked[r.caId] ?? []).some((e) => e.serial === r.serial);
  return [...newest.values()].filter(
    (r) => Date.parse(r.notAfter) > now.getTime() && !isRevoked(r) && !replaced.has(r.serial),
  );
}
