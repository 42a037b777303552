/**
 * One real node per machine: the runc shim's /run/containerd, the kubepods cgroups, the pinned ports
 * and the sweep of earlier runs are global, so a second bring-up would tear down a live cluster.
 * The lock is a directory made atomically, holding the owner's pid; a lock whose owner is gone is
 * taken over (a test process killed mid-run), a live one is waited for.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK = '/run/holdfast-node.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function owner(): number | undefined {
  try {
    return Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Waits until this process holds the machine's node lock; returns its release. */
export async function lockNode(waitMs = 45 * 60_000): Promise<() => void> {
  const end = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = owner();
    // A lock without a pid may be one being written this instant: only a gone owner is taken over.
    if (pid !== undefined && !alive(pid)) {
      // Its run never tore down: startRealNode sweeps it (node-teardown.ts) once the lock is ours.
      console.error(`real node: ${LOCK} held by pid ${pid}, which is gone: taken over`);
      rmSync(LOCK, { recursive: true, force: true });
    }
    else if (Date.now() > end) throw new Error(`real node: ${LOCK} still held by pid ${pid} after ${waitMs / 60_000} min`);
    else await new Promise((r) => setTimeout(r, 1000));
  }
}
