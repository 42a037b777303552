/**
 * A deterministic dataset shaped like a persistent volume, for the side-by-side benchmark:
 *   db/      database-like segment files: pages of text rows, compressible about 3:1
 *   small/   ~20k small files (configs, logs, thumbnails) in nested directories
 *   blobs/   incompressible blobs (media, already-compressed archives)
 * `--version 2` changes ~5 % of it in place (rows rewritten inside segments, some small files)
 * and appends to the newest segments, as a database and an app would between two backups.
 *
 * Usage: node --import tsx bench/gen-dataset.ts <dir> [--gib 2] [--version 1|2]
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdirSync, openSync, writeSync, closeSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const dir = args[0];
if (!dir) {
  console.error('usage: gen-dataset.ts <dir> [--gib N] [--version 1|2]');
  process.exit(2);
}
const gib = Number(args[args.indexOf('--gib') + 1] ?? 2) || 2;
const version = args.includes('--version') ? Number(args[args.indexOf('--version') + 1]) : 1;
const total = gib * 1024 ** 3;

/** Deterministic bytes: AES-CTR keyed by a label, so any part can be regenerated on its own. */
function stream(label: string) {
  const key = createHash('sha256').update(label).digest();
  const c = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return (n: number) => c.update(Buffer.alloc(n));
}

function dbPage(rnd: (n: number) => Buffer, page: number): Buffer {
  const r = rnd(512);
  const rows: string[] = [];
  for (let i = 0; i < 64; i++) rows.push(`${page * 64 + i}|user${r.readUInt16LE(i * 4)}|${r.readUInt32LE(i * 4) % 100000}.${r[i]! % 100}|active\n`);
  const text = Buffer.from(rows.join(''));
  const out = Buffer.alloc(8192);
  text.copy(out, 0, 0, Math.min(text.length, 8192));
  rnd(2048).copy(out, 6144); // page checksum/free-space area: noise
  return out;
}

const SEG = 64 * 1024 * 1024;
const dbBytes = Math.floor(total * 0.7);
const blobBytes = Math.floor(total * 0.22);
const segments = Math.max(1, Math.round(dbBytes / SEG));

function writeSegment(i: number) {
  const p = join(dir!, 'db', `segment-${String(i).padStart(4, '0')}.dat`);
  const rnd = stream(`seg-${i}`);
  const fd = openSync(p, 'w');
  for (let page = 0; page < SEG / 8192; page++) writeSync(fd, dbPage(rnd, page));
  closeSync(fd);
}

if (version === 1) {
  mkdirSync(join(dir, 'db'), { recursive: true });
  for (let i = 0; i < segments; i++) writeSegment(i);
  mkdirSync(join(dir, 'blobs'), { recursive: true });
  const rnd = stream('blobs');
  const blobs = Math.max(1, Math.round(blobBytes / (32 * 1024 * 1024)));
  for (let i = 0; i < blobs; i++) writeFileSync(join(dir, 'blobs', `media-${i}.bin`), rnd(32 * 1024 * 1024));
  const srnd = stream('small');
  for (let i = 0; i < 20000; i++) {
    const d = join(dir, 'small', `d${i % 50}`, `e${i % 7}`);
    if (i < 350) mkdirSync(d, { recursive: true });
    const size = 200 + (srnd(2).readUInt16LE(0) % 6000);
    const body = i % 3 === 0 ? srnd(size) : Buffer.from(`key${i}=value\n`.repeat(Math.ceil(size / 14)).slice(0, size));
    writeFileSync(join(d, `f${i}.txt`), body);
  }
} else {
  if (!existsSync(join(dir, 'db'))) throw new Error(`${dir}: generate version 1 first`);
  // ~5 % of all bytes rewritten in place, as 256 KiB runs of pages inside every fourth segment
  // (databases change clustered pages, and most files are untouched), then appends.
  const rnd = stream('v2');
  let changed = 0;
  const touched = [...Array(segments).keys()].filter((i) => i % 4 === 0);
  const runs = Math.ceil((total * 0.05) / (256 * 1024) / touched.length);
  for (const i of touched) {
    const fd = openSync(join(dir, 'db', `segment-${String(i).padStart(4, '0')}.dat`), 'r+');
    for (let k = 0; k < runs; k++) {
      const first = rnd(4).readUInt32LE(0) % (SEG / 8192 - 32);
      for (let page = first; page < first + 32; page++) writeSync(fd, dbPage(rnd, page + 1_000_000), 0, 8192, page * 8192);
      changed += 32 * 8192;
    }
    closeSync(fd);
  }
  for (const i of [segments - 1, segments - 2].filter((x) => x >= 0)) {
    const fd = openSync(join(dir, 'db', `segment-${String(i).padStart(4, '0')}.dat`), 'a');
    for (let page = 0; page < total * 0.02 / 8192 / 2; page++) writeSync(fd, dbPage(rnd, 2_000_000 + page));
    closeSync(fd);
  }
  for (let i = 0; i < 20000; i += 20) {
    const p = join(dir, 'small', `d${i % 50}`, `e${i % 7}`, `f${i}.txt`);
    writeFileSync(p, Buffer.concat([readFileSync(p), Buffer.from(`changed in v2\n`)]));
  }
  console.error(`version 2: ${(changed / 1024 / 1024).toFixed(1)} MiB of pages rewritten, appends and 1000 small files changed`);
}
