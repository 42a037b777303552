/**
 * Test helpers for the engine: a generator of trees holding every file kind we promise to back up,
 * and a comparison that checks content *and* metadata, so "byte-identical including metadata"
 * is asserted, not assumed. Also the engine suite that every BlobStore backend runs.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';

const isRoot = process.getuid?.() === 0;

/** A deterministic pseudo-random stream, so failures reproduce. */
export function prng(seed: number): (n: number) => Buffer {
  let s = seed >>> 0 || 1;
  return (n) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      b[i] = s & 0xff;
    }
    return b;
  };
}

/** Writes a tree with files (random, compressible, empty, sparse), dirs, symlinks, hardlinks, modes, owners and times. */
export async function makeTree(root: string, opts: { seed?: number; bigBytes?: number; special?: boolean } = {}): Promise<void> {
  const rnd = prng(opts.seed ?? 7);
  mkdirSync(join(root, 'db', 'segments'), { recursive: true });
  mkdirSync(join(root, 'config'), { recursive: true });
  mkdirSync(join(root, 'empty-dir'));
  writeFileSync(join(root, 'db', 'segments', '000001.seg'), rnd(opts.bigBytes ?? 3 * 1024 * 1024 + 17));
  writeFileSync(join(root, 'db', 'segments', '000002.seg'), Buffer.alloc(2 * 1024 * 1024, 'row;'));
  writeFileSync(join(root, 'config', 'app.yaml'), 'port: 8443\n');
  writeFileSync(join(root, 'empty'), '');
  writeFileSync(join(root, 'sparse.img'), '');
  truncateSync(join(root, 'sparse.img'), 5 * 1024 * 1024);
  writeFileSync(join(root, 'private.key'), 'not really a key');
  chmodSync(join(root, 'private.key'), 0o600);
  writeFileSync(join(root, 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(root, 'run.sh'), 0o755);
  symlinkSync('config/app.yaml', join(root, 'app-link'));
  symlinkSync('/nonexistent/target', join(root, 'dangling'));
  linkSync(join(root, 'config', 'app.yaml'), join(root, 'db', 'app.hardlink'));
  if (isRoot) chownSync(join(root, 'config', 'app.yaml'), 1234, 5678);
  const unicode = join(root, 'ünïcødé names');
  mkdirSync(unicode);
  for (let i = 0; i < 40; i++) writeFileSync(join(unicode, `small-${i}.txt`), `file ${i}\n`.repeat(i));
  utimesSync(join(root, 'config', 'app.yaml'), new Date('2020-02-02T02:02:02.123Z'), new Date('2021-03-03T03:03:03.456Z'));
  chmodSync(join(root, 'empty-dir'), 0o700);
  utimesSync(join(root, 'empty-dir'), new Date('2019-01-01T00:00:00Z'), new Date('2019-01-01T00:00:00Z'));
  if (opts.special) {
    execFileSync('mkfifo', [join(root, 'a-fifo')]);
    // A socket file that outlives its creator (Node removes its own on close).
    execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', join(root, 'a-socket')]);
  }
}

export interface Entry {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtimeUs: number;
  size: number;
  sha?: string;
  target?: string;
  linkGroup?: string;
}

/** Describes a tree by relative path; hardlinks become a group name shared by their paths. */
export function describeTree(root: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const inodes = new Map<number, string>();
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p, { bigint: true });
      const e: Entry = {
        type: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other',
        mode: Number(st.mode & 0o7777n),
        uid: Number(st.uid),
        gid: Number(st.gid),
        mtimeUs: Number(st.mtimeNs / 1000n),
        size: st.isFile() ? Number(st.size) : 0,
      };
      if (e.type === 'symlink') {
        e.target = readlinkSync(p);
        e.mode = 0;
      }
      if (e.type === 'file') {
        e.sha = createHash('sha256').update(readFileSync(p)).digest('hex');
        if (st.nlink > 1n) {
          const first = inodes.get(Number(st.ino));
          if (first) e.linkGroup = first;
          else {
            inodes.set(Number(st.ino), r);
            e.linkGroup = r;
          }
        }
      }
      out.set(r, e);
      if (e.type === 'dir') walk(p, r);
    }
  };
  walk(root, '');
  return out;
}

/** Differences between two trees as readable lines; empty when identical. */
export function treeDifferences(a: string, b: string, ignore: (path: string) => boolean = () => false): string[] {
  const da = describeTree(a);
  const db = describeTree(b);
  const out: string[] = [];
  for (const [p, e] of da) {
    if (ignore(p)) continue;
    const f = db.get(p);
    if (!f) out.push(`missing ${p}`);
    else if (JSON.stringify(e) !== JSON.stringify(f)) out.push(`differs ${p}: ${JSON.stringify(e)} vs ${JSON.stringify(f)}`);
  }
  for (const p of db.keys()) if (!da.has(p) && !ignore(p)) out.push(`extra ${p}`);
  return out;
}

export const randomData = (n: number) => randomBytes(n);
