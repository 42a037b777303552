import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Chunker, gearTable, type ChunkerParams } from './fastcdc.js';
import { prng } from '../testing.js';

const small: ChunkerParams = { min: 2048, avg: 8192, max: 65536 };
const chunks = (c: Chunker, data: Buffer) => {
  const out: string[] = [];
  for (let pos = 0; pos < data.length; ) {
    const n = c.cut(data, pos, data.length, true);
    out.push(createHash('sha256').update(data.subarray(pos, pos + n)).digest('hex'));
    pos += n;
  }
  return out;
};

describe('FastCDC chunker', () => {
  const c = new Chunker(gearTable(Buffer.from('seed')), small);
  const data = prng(1)(1 << 20);

  it('cuts every chunk between min and max, and averages near the target', () => {
    const sizes: number[] = [];
    for (let pos = 0; pos < data.length; ) {
      const n = c.cut(data, pos, data.length, true);
      sizes.push(n);
      pos += n;
    }
    assert.ok(sizes.slice(0, -1).every((n) => n >= small.min && n <= small.max));
    const avg = data.length / sizes.length;
    assert.ok(avg > small.avg * 0.7 && avg < small.avg * 1.6, `average ${avg}`);
  });

  it('keeps the chunks after an insertion, so a shifted file still deduplicates', () => {
    const before = chunks(c, data);
    const edited = Buffer.concat([data.subarray(0, 300_000), Buffer.from('inserted bytes'), data.subarray(300_000)]);
    const after = new Set(chunks(c, edited));
    const kept = before.filter((h) => after.has(h)).length;
    assert.ok(kept >= before.length - 3, `only ${kept} of ${before.length} chunks survived`);
  });

  it('asks for more data instead of cutting early when the input is not final', () => {
    assert.equal(c.cut(data, 0, small.min + 10, false), -1);
    assert.equal(c.cut(data, 0, 100, true), 100);
  });

  it('cuts at different places under a different repository seed', () => {
    const other = new Chunker(gearTable(Buffer.from('another seed')), small);
    assert.notDeepEqual(chunks(c, data).slice(0, 5), chunks(other, data).slice(0, 5));
  });
});
