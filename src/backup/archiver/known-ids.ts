/**
 * The set of blob ids a backup may reuse, as a sorted array of 32-byte ids in shared memory, so
 * every worker can test membership without a copy per worker or a round trip to the main thread.
 */
export class KnownIds {
  private readonly bytes: Buffer;
  readonly count: number;
  constructor(shared: SharedArrayBuffer) {
    this.bytes = Buffer.from(shared);
    this.count = this.bytes.length / 32;
  }

  static build(ids: Iterable<string>): SharedArrayBuffer {
    const list = [...ids].sort();
    const shared = new SharedArrayBuffer(list.length * 32);
    const b = Buffer.from(shared);
    list.forEach((id, i) => b.write(id, i * 32, 'hex'));
    return shared;
  }

  has(idHex: string): boolean {
    const needle = Buffer.from(idHex, 'hex');
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.bytes.compare(needle, 0, 32, mid * 32, mid * 32 + 32);
      if (c === 0) return true;
      if (c > 0) hi = mid - 1;
      else lo = mid + 1;
    }
    return false;
  }
}
