/**
 * Trials that fail on main because a defect of issue 19 is not fixed yet. The full run keeps them
 * (and labels their failures with the reason); the CI slice leaves them out, so it stays green on
 * main, until the fix lands and the entry is deleted. This list should only shrink.
 */
export interface KnownFailing {
  /** Matched against trial ids: "<backend>/<family>/<command>/<detail>". */
  match: RegExp;
  why: string;
}

export const KNOWN_FAILING: KnownFailing[] = [
  {
    // Prune deletes its plan and only then rewrites the index; a kill between the plan's unlink and
    // the last old segment's unlink leaves index entries for deleted packs. Which `delete:index@N`
    // is fatal depends on the random segment names, so every one of them is listed.
    match: /\/kill-point\/(prune|forget --prune)\/fs:(publish:index@[2-9]|delete:index@)/,
    why: "issue 19, prune's crash window (lead): index entries left for deleted packs",
  },
  { match: /\/random-kill\/(prune|forget --prune)\//, why: "issue 19, prune's crash window (lead): a random kill can land in it" },
  { match: /\/kill-point\/repo init\/fs:publish:config@/, why: 'issue 19, repo init killed after the key file and before the config (lead)' },
  {
    // Neither takes a lock, so prune deletes packs they are about to read: restore exits 4 and
    // check reports damage that is not there. Loud, not silent, but a false alarm at 3 a.m.
    match: /\/concurrency\/(prune-paused\/fs:(delete:deletions|publish:index@[2-9]|delete:index@)|together\/)/,
    why: 'issue 19, restore and check take no lock: beside a prune they fail or report false damage (lead)',
  },
  { match: /\/flip\/keys\//, why: 'issue 19, a malformed key file breaks every command with exit 70 (repair helper)' },
  { match: /\/flip\/locks\//, why: 'issue 19, unlock cannot remove a damaged lock, and it blocks prune (repair helper)' },
];

export const knownFailure = (id: string): KnownFailing | undefined => KNOWN_FAILING.find((k) => k.match.test(id));
