import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Chunker, gearTable, type ChunkerParams } from './fastcdc.js';
import { WasmChunker } from './wasm-chunker.js';
import { prng } from '../testing.js';

/** Every cut of `data`, read through a window of `window` bytes as the chunk worker reads a file. */
function cuts(cut: (buf: Buffer, start: number, end: number, final: boolean) => number, buf: Buffer, data: Buffer): number[] {
  const out: number[] = [];
  let start = 0;
  let end = 0;
  let read = 0;
  for (;;) {
    buf.copy(buf, 0, start, end);
    end -= start;
    start = 0;
    const n = Math.min(buf.length - end, data.length - read);
    data.copy(buf, end, read, read + n);
    end += n;
    read += n;
    const final = read === data.length;
    if (start === end) return out;
    const len = cut(buf, start, end, final);
    assert.ok(len > 0, `cut asked for more data with ${end - start} bytes of ${buf.length} in hand`);
    out.push(len);
    start += len;
  }
}

describe('WebAssembly chunker', () => {
  const params: ChunkerParams = { min: 2048, avg: 8192, max: 65536 };
  const gear = gearTable(Buffer.from('seed'));
  const js = new Chunker(gear, params);
  const wasm = new WasmChunker(gear, params, params.max * 2);
  const cases: [string, Buffer][] = [
    ['random bytes', prng(7)(1 << 20)],
    ['zeros (no boundary: every chunk is max)', Buffer.alloc(300_000)],
    ['text rows', Buffer.from('row 17 | balance 0 |     \n'.repeat(20_000))],
    ['shorter than min', prng(8)(1000)],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [name, data] of cases) {
    it(`cuts ${name} where the JavaScript chunker does`, () => {
      const expected = cuts((b, s, e, f) => js.cut(b, s, e, f), Buffer.alloc(params.max * 2), data);
      assert.deepEqual(cuts((b, s, e, f) => wasm.cut(b, s, e, f), wasm.buf, data), expected);
      assert.equal(expected.reduce((a, b) => a + b, 0), data.length);
    });
  }

  it('asks for more data, as the JavaScript chunker does, when the input is not final', () => {
    prng(9)(params.min + 10).copy(wasm.buf);
    assert.equal(wasm.cut(wasm.buf, 0, params.min + 10, false), -1);
    assert.equal(wasm.cut(wasm.buf, 0, 100, true), 100);
  });

  it('refuses a buffer other than its own, whose bytes it cannot see', () => {
    assert.throws(() => wasm.cut(Buffer.alloc(params.max), 0, params.max, true), /only its own buffer/);
  });
});
