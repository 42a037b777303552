/**
 * Which write worker (lane) takes new work. A directory's large files all start in the same turn,
 * before any piece of theirs is read: counted by the bytes sent alone, every lane looks idle then
 * and every large file went to the first, while the second wrote only small files and sat idle
 * most of a restore (7.9 of 8.0 s on the 1 GiB synthetic set). A large file's bytes therefore
 * count from the moment it is given a lane, not from when its pieces are sent.
 */
export interface LaneLoad {
  /** Bytes sent to the worker and not yet written. */
  sent: number;
  /** Bytes of large files given to the worker whose pieces are not yet sent. */
  assigned: number;
}

/** The index of the lane with the least work ahead of it; ties go to the first. */
export function leastLoaded(lanes: readonly LaneLoad[]): number {
  let best = 0;
  for (let i = 1; i < lanes.length; i++) if (load(lanes[i]!) < load(lanes[best]!)) best = i;
  return best;
}

const load = (l: LaneLoad): number => l.sent + l.assigned;
