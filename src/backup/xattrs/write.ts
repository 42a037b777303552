/**
 * Sets extended attributes on restored entries with `setfattr -h --restore=-`, in batches (one
 * process per batch: a process costs ~15 ms, an entry far less). Symlinks are not followed.
 *
 * A target that refuses some attributes (a filesystem without xattrs, `trusted.*` without
 * CAP_SYS_ADMIN, a SELinux label the host's policy denies) is common for a data mover, and restic
 * failing a whole restore for it (0.17.1) broke such users: here the restore goes on, each entry
 * that kept any attribute unset is counted by reason, and the caller gets one warning for the
 * restore; `restore --verify` reports the entries themselves and fails.
 */
import { spawn } from 'node:child_process';
import { escapeName } from '../snapshot/names.js';
import { parseToolError, printDump, restoredXattr, type DumpEntry, type Xattr } from './format.js';

const BATCH = 1000;
export const SETFATTR_MISSING = 'setfattr not found (install the attr package)';

interface Pending extends DumpEntry {
  /** Runs once the attributes are set (or failed): the mode goes last, after any ACL. */
  then?: () => Promise<void>;
}

export class XattrWriter {
  private pending: Pending[] = [];
  private chain: Promise<void> = Promise.resolve();
  /** Reason → entries that kept an attribute unset, and the first of them. */
  private readonly failed = new Map<string, { count: number; first: string }>();

  /** Queues `path`'s attributes; `then` runs after they are set, even when the target refused them. */
  add(path: Buffer, xattrs: readonly Xattr[], then?: () => Promise<void>): void {
    this.pending.push({ path, xattrs: xattrs.filter(restoredXattr), ...(then ? { then } : {}) });
    if (this.pending.length >= BATCH) this.schedule();
  }

  /** Sets everything queued; throws what a `then` threw. */
  async flush(): Promise<void> {
    this.schedule();
    await this.chain;
  }

  /** Entries that kept attributes unset. */
  get failures(): number {
    let n = 0;
    for (const f of this.failed.values()) n += f.count;
    return n;
  }

  /** One line for the whole restore, or undefined when every attribute was set. */
  warning(): string | undefined {
    if (!this.failed.size) return undefined;
    const parts = [...this.failed].map(([reason, f]) => `${f.count} ${f.count === 1 ? 'entry' : 'entries'}: ${reason} (first: ${f.first})`);
    return `extended attributes not restored on ${parts.join('; ')}; 'restore --verify' lists them`;
  }

  private schedule(): void {
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    this.chain = this.chain.then(() => this.run(batch));
  }

  private async run(batch: Pending[]): Promise<void> {
    const reasons = await setAll(batch);
    const byPath = new Map(reasons.map((r) => [r.path.toString('latin1'), r.reason]));
    for (const [path, reason] of byPath) {
      const f = this.failed.get(reason) ?? { count: 0, first: escapeName(Buffer.from(path, 'latin1')) };
      f.count++;
      this.failed.set(reason, f);
    }
    for (const e of batch) await e.then?.();
  }
}

/** Runs setfattr on a batch; returns every entry it could not set fully, with why. */
async function setAll(all: readonly DumpEntry[]): Promise<{ path: Buffer; reason: string }[]> {
  const batch = all.filter((e) => e.xattrs.length);
  if (!batch.length) return [];
  const child = spawn('setfattr', ['-h', '--restore=-'], { stdio: ['pipe', 'ignore', 'pipe'] });
  const spawned = new Promise<boolean>((res) => {
    child.on('spawn', () => res(true));
    child.on('error', () => res(false));
  });
  let err = '';
  child.stderr?.setEncoding('latin1');
  child.stderr?.on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((res) => child.on('close', res));
  if (!(await spawned)) return batch.map((e) => ({ path: e.path, reason: SETFATTR_MISSING }));
  child.stdin.on('error', () => {}); // a setfattr that died early shows in its exit code
  child.stdin.end(printDump(batch));
  const code = await exited;
  const out = err.split('\n').filter(Boolean).map((l) => parseToolError(l) ?? { path: Buffer.alloc(0), reason: l });
  // A failure that names no entry (setfattr itself broken) leaves every entry of the batch unset.
  if ((code !== 0 && !out.length) || out.some((o) => !o.path.length)) return batch.map((e) => ({ path: e.path, reason: out.find((o) => !o.path.length)?.reason ?? `setfattr exit ${code}` }));
  return out.map((o) => ({ path: o.path, reason: o.reason.toLowerCase() }));
}
