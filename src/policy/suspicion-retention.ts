/**
 * Retention under a suspicious backup: whatever the GFS rules say, the newest `keep` restore points
 * that are not suspicious and were taken before a suspicious one are kept while that suspicious one
 * exists. Daily retention would otherwise forget the last clean copies a week after ransomware ran,
 * leaving only encrypted ones. Pure: each point's judgement comes in (snapshot.suspicion).
 */

export interface JudgedPoint {
  id: string;
  time: Date;
  /** The judgement stored with the snapshot; absent for snapshots written before signals existed. */
  suspicious: boolean;
}

/** Ids to pin, each with the reason, for the points of one volume. */
export function suspicionPins(points: readonly JudgedPoint[], keep: number): Map<string, string> {
  const sorted = [...points].sort((a, b) => a.time.getTime() - b.time.getTime() || (a.id < b.id ? -1 : 1));
  const pins = new Map<string, string>();
  sorted.forEach((s, i) => {
    if (!s.suspicious || keep <= 0) return;
    const clean = sorted.slice(0, i).filter((p) => !p.suspicious).slice(-keep);
    for (const p of clean) if (!pins.has(p.id)) pins.set(p.id, `clean before suspicious ${s.id.slice(0, 8)}`);
  });
  return pins;
}
