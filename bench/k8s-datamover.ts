/**
 * Backup through the operator on a real one-node cluster against `holdfast backup` on the host, for
 * the same volume (bench/gen-dataset.ts), each into a fresh repository on the same disk:
 *   - host: `holdfast backup <dir>` run by hand: the engine's time (the snapshot summary), and the CLI's wall time;
 *   - data mover: the same measure for the backup Job's run (the snapshot summary's start and end);
 *   - trigger to RestorePoint: from the `holdfast.dev/trigger` annotation to a RestorePoint with its
 *     snapshot (Job creation, scheduling, image start, backup, summary, status), as a user waits.
 * Then a second run of each after `--version 2` changed ~5 % of the volume (incremental).
 *
 *   sudo node --import tsx bench/k8s-datamover.ts [--gib 0.5]
 *
 * Needs what the real-node suite needs (root, scripts/prepare/, the image; test/harness/node.ts) and
 * holds the machine's node lock while it runs. Prints a Markdown table for bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { holdfastImage, importHoldfastImage } from '../test/harness/image.js';
import { containerdSock } from '../test/harness/node-config.js';
import { startRealNode, type RealNode } from '../test/harness/node.js';
import { operatorManifests } from '../test/node/shop-manifests.js';

const { values } = parseArgs({ options: { gib: { type: 'string', default: '0.5' } } });
const NS = 'bench';
const PASSWORD = 'bench-repository-password';
const UID = 10001; // the data mover's default user: it owns the volume, so no extra privilege is needed
const bin = join(import.meta.dirname, '..', 'bin', 'holdfast.js');
const dataset = join(import.meta.dirname, 'gen-dataset.ts');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sh(cmd: string, args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const holdfast = (repo: string, args: string[]) => sh(process.execPath, [bin, ...args], { HOLDFAST_REPO: repo, HOLDFAST_PASSWORD: PASSWORD });

function manifests(data: string, repo: string): string {
  const pv = (name: string, path: string, claim: string) => ({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
    spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'manual', claimRef: { namespace: NS, name: claim }, hostPath: { path, type: 'Directory' } },
  });
  const pvc = (name: string, labels: Record<string, string> = {}) => ({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: NS, labels },
    spec: { storageClassName: 'manual', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
  });
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      pv('bench-data', data, 'data'), pvc('data', { backup: 'bench' }),
      pv('bench-repo', repo, 'repo'), pvc('repo'),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'repo', namespace: NS }, stringData: { password: PASSWORD } },
      { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupRepository', metadata: { name: 'volume', namespace: NS }, spec: { url: '/repo', volume: { claimName: 'repo' }, credentials: { secretName: 'repo' } } },
      {
        apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name: 'bench', namespace: NS },
        spec: { schedule: '0 3 * * *', suspend: true, selector: { matchLabels: { backup: 'bench' } }, repository: 'volume' },
      },
    ],
  });
}

interface Summary { startedAt: string; finishedAt: string; bytesAdded: number }

/** The engine's own record of a backup (the snapshot's summary): the same measure on the host and in the Job. */
function summaryOf(repo: string, id: string): Summary {
  const all = JSON.parse(holdfast(repo, ['snapshots', '--json'])) as { id: string; summary?: Summary; snapshot?: { summary: Summary } }[];
  const s = all.find((x) => x.id === id);
  const summary = s?.summary ?? s?.snapshot?.summary;
  if (!summary) throw new Error(`snapshot ${id} has no summary in ${repo}`);
  return summary;
}
const seconds = (s: Summary) => (Date.parse(s.finishedAt) - Date.parse(s.startedAt)) / 1000;

/**
 * One triggered run: trigger to a Ready RestorePoint (wall), and the data mover's backup from its
 * snapshot's summary (the operator deletes the finished Job, so its pod's times are gone by then).
 */
async function clusterRun(node: RealNode, repo: string, seen: Set<string>): Promise<{ triggerToPoint: number; mover: number; added: number }> {
  const k = (args: string[]) => {
    const r = node.kubectl(args);
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const t0 = Date.now();
  k(['-n', NS, 'annotate', 'backuppolicy', 'bench', `holdfast.dev/trigger=${t0}`, '--overwrite']);
  for (;;) {
    const items = (JSON.parse(k(['-n', NS, 'get', 'restorepoints', '-o', 'json'])) as { items: { metadata: { name: string }; status?: { snapshotId?: string } }[] }).items;
    const point = items.find((p) => p.status?.snapshotId && !seen.has(p.metadata.name));
    if (point) {
      seen.add(point.metadata.name);
      const s = summaryOf(repo, point.status!.snapshotId!);
      return { triggerToPoint: (Date.now() - t0) / 1000, mover: seconds(s), added: s.bytesAdded };
    }
    if (Date.now() - t0 > 30 * 60_000) throw new Error('no RestorePoint within 30 min');
    await sleep(200);
  }
}

function hostRun(repo: string, data: string): { wall: number; engine: number; added: number } {
  const t0 = Date.now();
  const out = holdfast(repo, ['backup', data, '--json']);
  const wall = (Date.now() - t0) / 1000;
  const id = (JSON.parse(out.slice(out.lastIndexOf('\n{') + 1)) as { snapshot: string }).snapshot;
  const s = summaryOf(repo, id);
  return { wall, engine: seconds(s), added: s.bytesAdded };
}

async function main(): Promise<void> {
  const image = await holdfastImage();
  const node = await startRealNode();
  try {
    const root = join(node.paths.state, 'bench');
    const dirs = { data: join(root, 'data'), repo: join(root, 'repo'), hostRepo: join(root, 'host-repo') };
    for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
    sh(process.execPath, ['--import', 'tsx', dataset, dirs.data, '--gib', values.gib!]);
    const bytes = Number(sh('du', ['-sb', dirs.data]).split('\t')[0]);
    holdfast(dirs.repo, ['repo', 'init']);
    holdfast(dirs.hostRepo, ['repo', 'init']);
    sh('chown', ['-R', `${UID}:${UID}`, dirs.data, dirs.repo]);
    chownSync(root, UID, UID);
    await importHoldfastImage(containerdSock(node.paths));
    const deploy = join(import.meta.dirname, '..', 'deploy');
    for (const input of [undefined, operatorManifests(image.ref)]) {
      const r = input ? node.kubectl(['apply', '-f', '-'], input) : node.kubectl(['apply', '-f', join(deploy, 'crds')]);
      if (r.status !== 0) throw new Error(r.stderr);
    }
    node.kubectl(['-n', 'holdfast-system', 'rollout', 'status', 'deployment/holdfast-operator', '--timeout=600s']);
    node.kubectl(['apply', '-f', '-'], manifests(dirs.data, dirs.repo));
    const seen = new Set<string>();
    const rows: string[] = [];
    const mib = bytes / 2 ** 20;
    for (const run of ['first (full)', 'second (~5 % changed)']) {
      if (run.startsWith('second')) {
        sh(process.execPath, ['--import', 'tsx', dataset, dirs.data, '--gib', values.gib!, '--version', '2']);
        sh('chown', ['-R', `${UID}:${UID}`, dirs.data]);
      }
      const host = hostRun(dirs.hostRepo, dirs.data);
      const cluster = await clusterRun(node, dirs.repo, seen);
      const added = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB added`;
      rows.push(`| ${run} | ${host.engine.toFixed(1)} s, ${(mib / host.engine).toFixed(0)} MiB/s, ${added(host.added)} (CLI wall ${host.wall.toFixed(1)} s) | ${cluster.mover.toFixed(1)} s, ${(mib / cluster.mover).toFixed(0)} MiB/s, ${added(cluster.added)} | ${cluster.triggerToPoint.toFixed(1)} s |`);
    }
    const load = sh('cat', ['/proc/loadavg']).split(' ').slice(0, 3).join(' ');
    console.log(`\n${mib.toFixed(0)} MiB volume (bench/gen-dataset.ts --gib ${values.gib}), load average at the end ${load}\n`);
    console.log('| backup | `holdfast backup` on the host (engine) | data-mover Job (engine) | trigger to Ready RestorePoint |');
    console.log('|---|---|---|---|');
    for (const r of rows) console.log(r);
  } finally {
    const left = await node.stop();
    if (left.length) console.error(`teardown left: ${left.join('; ')}`);
  }
}

await main();
