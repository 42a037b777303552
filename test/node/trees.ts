/**
 * What a restore must give back, as the real-node tests compare it: every entry of a volume's folder
 * on the host (content hash, type, mode, owner, group, mtime) and the folder itself as ".".
 */
import { lstatSync } from 'node:fs';
import { describeTree, type Entry } from '../../src/backup/testing.js';

export function tree(dir: string): Map<string, Entry> {
  const st = lstatSync(dir, { bigint: true });
  const t = describeTree(dir);
  t.set('.', { type: 'dir', mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), mtimeUs: Number(st.mtimeNs / 1000n), size: 0 });
  return t;
}

/** One line per entry that is missing, extra, or not as backed up. */
export function differences(want: Map<string, Entry>, got: Map<string, Entry>): string[] {
  const out: string[] = [];
  for (const [p, e] of want) {
    const g = got.get(p);
    if (!g) out.push(`missing ${p}`);
    else if (JSON.stringify(e) !== JSON.stringify(g)) out.push(`${p}: backed up ${JSON.stringify(e)}, restored ${JSON.stringify(g)}`);
  }
  for (const p of got.keys()) if (!want.has(p)) out.push(`extra ${p}`);
  return out;
}
