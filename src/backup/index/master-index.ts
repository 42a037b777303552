/**
 * The index: which pack holds each blob. It is the union of all `index/*` segments; each backup
 * adds segments and never rewrites one, so concurrent writers need no lock. A blob may sit in
 * several packs (two writers stored it at once, or prune repacked it); any live copy will do.
 *
 * Packs listed in a prune's deletion plan are "condemned": still readable, but never used for
 * deduplication, so a backup that starts after the plan stores its own copy (see maintenance/prune).
 */
import type { BlobType, PackedBlob } from '../pack/pack.js';

export interface BlobLocation {
  pack: string;
  type: BlobType;
  offset: number;
  length: number;
  rawLength: number;
}

export interface IndexSegment {
  version: 1;
  packs: { id: string; blobs: [number, string, number, number, number][] }[];
}

export function segmentOf(packs: { id: string; blobs: PackedBlob[] }[]): IndexSegment {
  return {
    version: 1,
    packs: packs.map((p) => ({
      id: p.id,
      blobs: p.blobs.map((b) => [b.type === 'data' ? 0 : 1, b.id, b.offset, b.length, b.rawLength]),
    })),
  };
}

export class MasterIndex {
  private readonly blobs = new Map<string, BlobLocation[]>();
  readonly packs = new Map<string, number>();
  condemned = new Set<string>();

  addSegment(seg: IndexSegment): void {
    for (const p of seg.packs) {
      if (this.packs.has(p.id)) continue;
      let size = 0;
      for (const [t, id, offset, length, rawLength] of p.blobs) {
        const loc: BlobLocation = { pack: p.id, type: t === 0 ? 'data' : 'tree', offset, length, rawLength };
        const list = this.blobs.get(id);
        if (list) list.push(loc);
        else this.blobs.set(id, [loc]);
        size = Math.max(size, offset + length);
      }
      this.packs.set(p.id, size);
    }
  }

  /** Forgets everything, for a reload after the index was rewritten. */
  clear(): void {
    this.blobs.clear();
    this.badCopies.clear();
    this.packs.clear();
    this.condemned = new Set();
  }

  addPack(id: string, blobs: PackedBlob[]): void {
    this.addSegment(segmentOf([{ id, blobs }]));
  }

  /** A location to read from: a live copy first, a condemned one if that is all there is. */
  lookup(id: string): BlobLocation | undefined {
    const list = this.blobs.get(id);
    if (!list) return undefined;
    return list.find((l) => !this.condemned.has(l.pack)) ?? list[0];
  }

  /**
   * Every copy to try, in order: live copies first, then condemned ones (still present until their
   * plan is carried out). A reader falls back along this list when a copy is damaged or gone.
   */
  copies(id: string): BlobLocation[] {
    const list = this.blobs.get(id) ?? [];
    const rank = (l: BlobLocation) => (this.badCopies.has(`${l.pack}:${id}`) ? 2 : this.condemned.has(l.pack) ? 1 : 0);
    return [...list].sort((a, b) => rank(a) - rank(b));
  }

  /**
   * Copies found damaged or missing when read ("pack:blob"). This process neither deduplicates
   * against them nor tries them first again: a backup whose parent tree is damaged stores a fresh
   * copy of the tree instead of pointing the new snapshot at the damaged one.
   */
  private readonly badCopies = new Set<string>();

  markBad(id: string, pack: string): void {
    this.badCopies.add(`${pack}:${id}`);
  }

  /** Whether a new backup may reuse this blob instead of storing it. */
  hasLive(id: string): boolean {
    const list = this.blobs.get(id);
    if (!list) return false;
    // The common case, asked for every chunk of every unchanged file: no copy is condemned or bad.
    if (this.condemned.size === 0 && this.badCopies.size === 0) return true;
    return list.some((l) => !this.condemned.has(l.pack) && !this.badCopies.has(`${l.pack}:${id}`));
  }

  /** Blobs grouped by the pack that holds them (each copy listed under its own pack). */
  byPack(): Map<string, { id: string; loc: BlobLocation }[]> {
    const out = new Map<string, { id: string; loc: BlobLocation }[]>();
    for (const [id, locs] of this.blobs)
      for (const loc of locs) {
        const list = out.get(loc.pack);
        if (list) list.push({ id, loc });
        else out.set(loc.pack, [{ id, loc }]);
      }
    return out;
  }

  *liveIds(): IterableIterator<string> {
    for (const [id] of this.blobs) if (this.hasLive(id)) yield id;
  }

  locations(id: string): readonly BlobLocation[] {
    return this.blobs.get(id) ?? [];
  }

  *entries(): IterableIterator<[string, BlobLocation[]]> {
    yield* this.blobs.entries();
  }

  get blobCount(): number {
    return this.blobs.size;
  }
}
