/**
 * The restore swap as a pure decision. A restore is written into a scratch directory beside the
 * volume, marked complete, and then swapped in by two renames (volume -> old, scratch -> volume).
 * A crash can stop this anywhere; what is on disk says where, and this says what to do next, so
 * a failure midway never leaves the volume half-restored: either the old data is in place, or the
 * complete restored copy is.
 */
export interface SwapState {
  volume: boolean;
  old: boolean;
  scratch: boolean;
  /** The scratch copy was fully restored (its marker file exists). */
  complete: boolean;
}

export type SwapAction =
  | { action: 'restore'; message: string }
  | { action: 'swap'; message: string }
  | { action: 'finish-swap'; message: string }
  | { action: 'done'; message: string }
  | { action: 'put-back-old'; message: string };

export function nextSwapAction(s: SwapState): SwapAction {
  if (s.old && s.volume && !s.scratch) return { action: 'done', message: 'the restored copy is in place; the old data waits beside it' };
  if (s.old && !s.volume && s.scratch && s.complete) return { action: 'finish-swap', message: 'interrupted between the two renames: move the complete restored copy into place' };
  if (s.old && !s.volume) return { action: 'put-back-old', message: 'interrupted between the renames without a complete copy: put the old data back first' };
  if (s.old && s.volume && s.scratch) return { action: 'put-back-old', message: 'an old copy and a scratch copy both exist beside the volume: keep the volume, drop the scratch, start over' };
  if (s.scratch && s.complete) return { action: 'swap', message: 'the restored copy is complete: swap it in' };
  return { action: 'restore', message: s.scratch ? 'a partial restore from an interrupted attempt: start it again' : 'restore into a scratch directory' };
}
