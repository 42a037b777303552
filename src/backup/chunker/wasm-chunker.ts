/**
 * The chunker's gear loop in WebAssembly: the same cut points as Chunker's JavaScript loop, at
 * about a third of its CPU (the loop was a quarter to two fifths of a chunk worker's busy time; in
 * JavaScript every byte pays two bounds checks and a Uint32 that does not fit a small integer).
 *
 * WebAssembly reads only its own memory, so the chunker owns the buffer the file is read into:
 * `buf`, a view of that memory after the gear table.
 *
 * The module is a dozen instructions, written out here rather than built by a toolchain:
 *
 *   (func (export "scan") (param $i $normalEnd $limitEnd $maskS $maskL i32) (result i32) (local $h i32)
 *     (block (loop                                  ;; the same again with $limitEnd and $maskL
 *       (br_if 1 (i32.ge_u $i $normalEnd))
 *       (local.tee $h (i32.add (i32.shl $h 1) (i32.load (i32.shl (i32.load8_u $i) 2))))
 *       (local.set $i (i32.add $i 1))
 *       (if (i32.eqz (i32.and $maskS)) (return $i))
 *       (br 0)))
 *     ...
 *     (i32.const 0))
 *
 * with the 256 gear values (u32, little-endian) at address 0 of an imported memory.
 */
import { Chunker, type ChunkerParams } from './fastcdc.js';

/** The part of Node's WebAssembly global used here: the project's TypeScript libraries do not declare it. */
declare const WebAssembly: {
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

/** Where the data starts in the module's memory: one page, after the gear table. */
const BASE = 65536;
const PAGE = 65536;

/** One gear loop: local `end` is the loop's bound and local `mask` its mask (params 0–4, $h is local 5). */
const gearLoop = (end: number, mask: number) => [
  0x02, 0x40, 0x03, 0x40, // block, loop
  0x20, 0, 0x20, end, 0x4f, 0x0d, 1, // br_if 1 (i >= end)
  0x20, 5, 0x41, 1, 0x74, // h << 1
  0x20, 0, 0x2d, 0, 0, 0x41, 2, 0x74, 0x28, 2, 0, // gear[mem[i]]
  0x6a, 0x22, 5, // h = sum (kept on the stack)
  0x20, 0, 0x41, 1, 0x6a, 0x21, 0, // i += 1
  0x20, mask, 0x71, 0x45, 0x04, 0x40, 0x20, 0, 0x0f, 0x0b, // if ((h & mask) == 0) return i
  0x0c, 0, 0x0b, 0x0b, // br 0; end loop; end block
];
const body = [0x01, 0x01, 0x7f, ...gearLoop(1, 3), ...gearLoop(2, 4), 0x41, 0, 0x0b];
const section = (id: number, content: number[]) => [id, content.length, ...content];
const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f]), // type: (i32 × 5) → i32
  ...section(2, [1, 1, 0x65, 1, 0x6d, 0x02, 0x00, 1]), // import "e" "m": memory, min 1 page
  ...section(3, [1, 0]), // one function of type 0
  ...section(7, [1, 4, 0x73, 0x63, 0x61, 0x6e, 0x00, 0]), // export "scan"
  ...section(10, [1, body.length, ...body]),
]);

type Scan = (from: number, normalEnd: number, limitEnd: number, maskS: number, maskL: number) => number;

export class WasmChunker extends Chunker {
  /** The buffer to read file data into; `cut` takes offsets into it, and no other buffer. */
  readonly buf: Buffer;
  private readonly wasmScan: Scan;

  /** `size`: the bytes `buf` holds (the chunk worker reads two maximum chunks at a time). */
  constructor(gear: Uint32Array, params: ChunkerParams, size: number) {
    super(gear, params);
    const memory = new WebAssembly.Memory({ initial: Math.ceil((BASE + size) / PAGE) });
    const table = new DataView(memory.buffer);
    gear.forEach((g, i) => table.setUint32(i * 4, g, true));
    this.wasmScan = new WebAssembly.Instance(new WebAssembly.Module(MODULE), { e: { m: memory } }).exports.scan as Scan;
    this.buf = Buffer.from(memory.buffer, BASE, size);
  }

  protected override scan(buf: Uint8Array, from: number, normalEnd: number, limitEnd: number, maskS: number, maskL: number): number {
    if (buf !== this.buf) throw new Error('WasmChunker cuts only its own buffer');
    const at = this.wasmScan(BASE + from, BASE + normalEnd, BASE + limitEnd, maskS, maskL);
    return at === 0 ? -1 : at - BASE;
  }
}
