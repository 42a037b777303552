/**
 * What must hold after any crash and the user's recovery, checked with the real binary:
 * - the repository opens;
 * - every snapshot that existed before and was not being forgotten restores byte-identically
 *   (content and metadata, compared with a copy of the source);
 * - `check --read-data` exits 0;
 * - a new backup succeeds and restores.
 * A restore that exits 0 with wrong bytes is "silent wrong data", the worst outcome there is.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { treeDifferences } from '../../src/backup/testing.js';
import { describeRun, run, PASSWORD, type RunResult, type Site } from './cli.js';
import { snapshotIdOf, trialSource, type SnapshotRecord, type World } from './world.js';

export interface Verdict {
  /** Why the repository cannot be used (does not open, or cannot take and restore a new backup). */
  unusable?: string;
  /** Snapshots that should have survived and do not restore, each with why. */
  lost: string[];
  /** Restores that exited 0 with bytes that differ from the source. */
  silentWrong: string[];
  checkFailed?: string;
  /** Everything else worth a look: internal errors, forgotten snapshots still listed. */
  notes: string[];
}

export const emptyVerdict = (): Verdict => ({ lost: [], silentWrong: [], notes: [] });

export const short = (id: string) => id.slice(0, 8);

/** A stack trace or exit 70 is a bug whatever the damage: the user was owed one line. */
export function internalError(r: RunResult): string | undefined {
  if (r.code === 70 || /internal error/.test(r.err)) return `internal error: ${describeRun(r)}`;
  return undefined;
}

export async function listSnapshotIds(site: Site, password: string): Promise<{ ids?: string[]; run: RunResult }> {
  const r = await run(site, ['snapshots', '--json'], { password });
  if (r.code !== 0) return { run: r };
  try {
    return { ids: (JSON.parse(r.out) as { id: string }[]).map((s) => s.id), run: r };
  } catch {
    return { run: r };
  }
}

/** Restores one snapshot into a scratch directory and compares; undefined when it is right. */
export async function restoreMatches(site: Site, password: string, snap: SnapshotRecord, scratch: string, v: Verdict): Promise<boolean> {
  const target = join(scratch, `restore-${short(snap.id)}-${Math.random().toString(36).slice(2, 8)}`);
  const r = await run(site, ['restore', snap.id, '--target', target], { password });
  const ie = internalError(r);
  if (ie) v.notes.push(ie);
  let ok = r.code === 0;
  if (r.code === 0) {
    const diff = treeDifferences(snap.expected, target);
    if (diff.length) {
      v.silentWrong.push(`snapshot ${short(snap.id)}: restore exited 0 with ${diff.length} difference(s): ${diff.slice(0, 3).join('; ')}`);
      v.lost.push(`snapshot ${short(snap.id)}: restored wrong bytes`);
      ok = false;
    }
  } else v.lost.push(`snapshot ${short(snap.id)}: ${describeRun(r)}`);
  rmSync(target, { recursive: true, force: true });
  return ok;
}

export interface VerifyOptions {
  world: World;
  scratch: string;
  password?: string;
  /** Snapshots that must still restore. */
  keep: SnapshotRecord[];
  /** Snapshots the command was forgetting: after recovery they should be gone. */
  gone?: SnapshotRecord[];
}

export async function verifyRepository(site: Site, o: VerifyOptions): Promise<Verdict> {
  const v = emptyVerdict();
  const password = o.password ?? PASSWORD;
  mkdirSync(o.scratch, { recursive: true });
  const listed = await listSnapshotIds(site, password);
  if (!listed.ids) {
    v.unusable = `does not open: ${describeRun(listed.run)}`;
    const ie = internalError(listed.run);
    if (ie) v.notes.push(ie);
    return v;
  }
  for (const s of o.keep) {
    if (!listed.ids.includes(s.id)) v.lost.push(`snapshot ${short(s.id)}: no longer listed`);
    else await restoreMatches(site, password, s, o.scratch, v);
  }
  for (const s of o.gone ?? []) if (listed.ids.includes(s.id)) v.notes.push(`forgotten snapshot ${short(s.id)} still listed after recovery`);

  const src = trialSource(o.world, join(o.scratch, 'next-src'), o.world.nextVersion + 1);
  const b = await run(site, ['backup', src, '--json'], { password });
  const bie = internalError(b);
  if (bie) v.notes.push(bie);
  if (b.code !== 0) v.unusable = `a new backup fails: ${describeRun(b)}`;
  else {
    const id = snapshotIdOf(b.out);
    const fresh = emptyVerdict();
    if (!(await restoreMatches(site, password, { id, version: -1, expected: src }, o.scratch, fresh))) {
      v.unusable = `a new backup does not restore: ${fresh.lost.join('; ')}`;
      v.silentWrong.push(...fresh.silentWrong);
    }
    v.notes.push(...fresh.notes);
  }
  const c = await run(site, ['check', '--read-data'], { password });
  if (c.code !== 0) v.checkFailed = describeRun(c);
  const cie = internalError(c);
  if (cie) v.notes.push(cie);
  return v;
}
