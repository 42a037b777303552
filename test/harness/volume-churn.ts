/**
 * Volumes that change the way real ones do, for the ransomware-signal tests: office documents
 * edited, added and deleted day by day; logs appended and rotated; and a simulated ransomware pass
 * that encrypts a share of the files with AES (node:crypto) and renames them. Seeded, so a failure
 * reproduces.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from './seeded-random.js';

const WORDS = 'order invoice customer anchor harbour shipment total tax line item price quantity account ledger month report draft final review signed approved pending paid overdue net gross vendor contract clause term renewal'.split(' ');

/** Prose-like text: compresses like real documents (about 3:1), never repeats between files. */
export function prose(rand: () => number, bytes: number): string {
  const out: string[] = [];
  let n = 0;
  while (n < bytes) {
    const w = rand() < 0.1 ? String(Math.floor(rand() * 100000)) : WORDS[Math.floor(rand() * WORDS.length)]!;
    out.push(w);
    n += w.length + 1;
  }
  return out.join(' ').slice(0, bytes);
}

const EXTS = ['.docx', '.xlsx', '.pdf', '.txt'];

/** `count` documents of 4–40 KiB under docs/<dept>/. */
export function writeDocuments(root: string, count: number, seed = 1): void {
  const rand = seededRandom(seed);
  for (let i = 0; i < count; i++) {
    const dir = join(root, 'docs', `dept-${i % 5}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `doc-${i}${EXTS[i % EXTS.length]}`), prose(rand, 4096 + Math.floor(rand() * 36 * 1024)));
  }
}

function documents(root: string): string[] {
  const out: string[] = [];
  const docs = join(root, 'docs');
  for (const d of readdirSync(docs).sort()) for (const f of readdirSync(join(docs, d)).sort()) out.push(join(docs, d, f));
  return out;
}

/** One ordinary day of an office share: a few documents edited, two added, one deleted, the app log appended. */
export function documentsDay(root: string, day: number): void {
  const rand = seededRandom(1000 + day);
  const docs = documents(root);
  for (let i = 0; i < 5; i++) appendFileSync(docs[Math.floor(rand() * docs.length)]!, '\n' + prose(rand, 2048));
  for (let i = 0; i < 2; i++) writeFileSync(join(root, 'docs', `dept-${i}`, `day-${day}-${i}.docx`), prose(rand, 8192));
  const gone = docs[Math.floor(rand() * docs.length)]!;
  if (existsSync(gone)) unlinkSync(gone);
  appendFileSync(join(root, 'app.log'), Array.from({ length: 200 }, (_, i) => `2026-12-${String(day).padStart(2, '0')} req=${i} ok\n`).join(''));
}

/**
 * Ransomware: encrypts `share` of the documents with AES-256-CBC under a key it keeps (so the
 * ciphertext is what a real one writes: incompressible), writes each as <name>.locked and
 * removes the original. Returns the paths encrypted.
 */
export function ransomwarePass(root: string, share: number, seed = 99): string[] {
  const rand = seededRandom(seed);
  const key = randomBytes(32);
  const hit = documents(root).filter(() => rand() < share);
  for (const p of hit) {
    const iv = randomBytes(16);
    const c = createCipheriv('aes-256-cbc', key, iv);
    writeFileSync(`${p}.locked`, Buffer.concat([iv, c.update(readFileSync(p)), c.final()]));
    unlinkSync(p);
  }
  return hit;
}

/**
 * One day of a log-heavy volume: every service appends to its log; every 7th day each log rotates
 * (app.log → app.log.1 → … → app.log.3, the next day's lines start a new app.log), and the
 * rotation that falls off the end is kept gzipped under archive/, as logrotate's compress does.
 */
export function logsDay(root: string, day: number, gzip: (b: Buffer) => Buffer): void {
  const rand = seededRandom(5000 + day);
  const services = ['api', 'worker', 'auth', 'billing', 'search', 'mailer'];
  mkdirSync(join(root, 'archive'), { recursive: true });
  for (const s of services) {
    const log = join(root, `${s}.log`);
    const lines = 500 + Math.floor(rand() * 3000);
    let text = '';
    for (let i = 0; i < lines; i++)
      text += `2026-12-${String((day % 28) + 1).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00Z ${s} level=${rand() < 0.05 ? 'warn' : 'info'} req=${Math.floor(rand() * 1e9).toString(16)} ${prose(rand, 40 + Math.floor(rand() * 80))}\n`;
    appendFileSync(log, text);
    if (day % 7 === 6) {
      for (let k = 4; k >= 1; k--) {
        const from = k === 1 ? log : `${log}.${k - 1}`;
        if (existsSync(from)) renameSync(from, `${log}.${k}`);
      }
      const old = `${log}.4`;
      if (existsSync(old)) {
        writeFileSync(join(root, 'archive', `${s}-day${day}.log.gz`), gzip(readFileSync(old)));
        unlinkSync(old);
      }
    }
  }
}

/** Total bytes of regular files below `root`. */
export function volumeBytes(root: string): number {
  let n = 0;
  for (const e of readdirSync(root, { withFileTypes: true, recursive: true })) if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  return n;
}
