/**
 * Which reads fetch a batch of sealed chunks: chunks of one pack that lie at most `maxGap` bytes
 * apart are read together, up to `maxRead` bytes a read. Twenty thousand small files are twenty
 * thousand chunks stored next to each other in a few packs; read one by one, each cost a read, a
 * buffer and a promise on the main thread, which was what limited a restore.
 */

/** Where a chunk's sealed bytes are: the index's location of the copy to read. */
export interface Wanted {
  pack: string;
  offset: number;
  length: number;
}

export interface ReadPlan {
  /** The reads, each a byte range of one pack. */
  ranges: Wanted[];
  /** For each wanted chunk, in the order given: the read that fetches it and its offset in that read. */
  at: { range: number; offset: number }[];
}

export function planReads(wanted: readonly Wanted[], maxGap: number, maxRead: number): ReadPlan {
  const order = wanted.map((_, i) => i).sort((a, b) => {
    const x = wanted[a]!;
    const y = wanted[b]!;
    return x.pack < y.pack ? -1 : x.pack > y.pack ? 1 : x.offset - y.offset;
  });
  const ranges: Wanted[] = [];
  const at: ReadPlan['at'] = new Array(wanted.length);
  let cur: Wanted | undefined;
  for (const i of order) {
    const w = wanted[i]!;
    const end = w.offset + w.length;
    if (cur && cur.pack === w.pack && w.offset <= cur.offset + cur.length + maxGap && Math.max(end, cur.offset + cur.length) - cur.offset <= maxRead) {
      cur.length = Math.max(cur.length, end - cur.offset);
    } else {
      cur = { pack: w.pack, offset: w.offset, length: w.length };
      ranges.push(cur);
    }
    at[i] = { range: ranges.length - 1, offset: w.offset - cur.offset };
  }
  return { ranges, at };
}
