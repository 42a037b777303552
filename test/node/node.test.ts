/**
 * The real one-node cluster (test/harness/node.ts): real Pods, a Job with a PVC, exec, kubelet and
 * containerd restarts, a teardown that leaves the machine as it found it, and the sweep of a run
 * whose test process was killed before its teardown (the next bring-up cleans up after it).
 *
 * Part of `npm test`: needs root and what scripts/prepare/ installs and builds; a missing part fails
 * the bring-up with a line naming it. Bring-ups are serialised by a machine-wide lock and cost about
 * 15 s up and 8 s down, so this file makes two: the killed run's, and the one every test here uses,
 * which must sweep the killed run before it comes up.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRealNode, type RealNode } from '../harness/node.js';
import { BUSYBOX_IMAGE } from '../harness/node-images.js';

const harness = new URL('../harness/node.ts', import.meta.url).pathname;

/** A busybox pod spec that runs `script` once; `claim` mounts that PVC at /data. */
const podSpec = (script: string, claim?: string) => ({
  restartPolicy: 'Never',
  terminationGracePeriodSeconds: 1,
  containers: [
    {
      name: 'main',
      image: BUSYBOX_IMAGE,
      imagePullPolicy: 'Never',
      command: ['sh', '-c', script],
      ...(claim ? { volumeMounts: [{ name: 'data', mountPath: '/data' }] } : {}),
    },
  ],
  ...(claim ? { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] } : {}),
});

const list = (...items: object[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
const pod = (name: string, script: string) => list({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: podSpec(script) });

const pvcJob = (hostDir: string) =>
  list(
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'data-pv' },
      spec: {
        capacity: { storage: '10Mi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: 'manual',
        hostPath: { path: hostDir, type: 'DirectoryOrCreate' },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'default' },
      spec: { storageClassName: 'manual', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } } },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'writer', namespace: 'default' },
      // The projected ServiceAccount token's namespace file: TokenRequest through the Node authorizer works.
      spec: { backoffLimit: 1, template: { spec: podSpec('cat /var/run/secrets/kubernetes.io/serviceaccount/namespace > /data/from-job', 'data') } },
    },
  );

/** A run's record of the host's sysctls before its bring-up, taken under the node lock (no other cluster up). */
const recordedSysctls = (run: string) => (JSON.parse(readFileSync(join(run, 'record.json'), 'utf8')) as { before: { sysctls: Record<string, string> } }).before.sysctls;

/**
 * Brings up a cluster in a child process of its own process group and SIGKILLs the group once the
 * cluster is up, as a CI timeout would: returns the name of the run folder it left in /run and the
 * sysctls its record holds.
 */
async function killedRun(): Promise<{ run: string; sysctls: Record<string, string> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `const { startRealNode } = await import(${JSON.stringify(harness)}); await startRealNode(); console.log('up'); setInterval(() => {}, 1e6);`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => b.toString().includes('up') && resolve());
    child.once('exit', (code) => reject(new Error(`the killed run exited (${code}) before its cluster was up`)));
    // Waits for the node lock like any bring-up; a hung one must not hold the lock past this test.
    setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error('the killed run was not up within 15 min'));
    }, 15 * 60_000).unref();
  });
  const runs = readdirSync('/run').filter((e) => e.startsWith('hf-node-'));
  try {
    assert.equal(runs.length, 1, `run folders: ${runs.join(', ')}`);
    // What the killed run leaves for the sweep. Read while it holds the node lock: once it is killed,
    // another file's bring-up may sweep it first.
    assert.ok(existsSync(`/run/netns/${runs[0]}`), 'the run to be killed has no netns: the sweep check would prove nothing');
    return { run: runs[0]!, sysctls: recordedSysctls(`/run/${runs[0]}`) };
  } finally {
    process.kill(-child.pid!, 'SIGKILL');
  }
}

describe('a real one-node cluster', { timeout: 20 * 60_000 }, () => {
  let node: RealNode | undefined;
  let leftovers: string[] | undefined;
  let killed: { run: string; sysctls: Record<string, string> } | undefined;
  const ok = (args: string[], input?: string) => {
    const r = node!.kubectl(args, input);
    assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const containerId = (name: string) => ok(['get', 'pod', name, '-o', 'jsonpath={.status.containerStatuses[0].containerID}']);
  const execWorks = (name: string) => assert.equal(ok(['exec', '-i', name, '--', 'sh', '-c', 'cat; echo -n :from-pod'], 'hi'), 'hi:from-pod');
  // A restarted kubelet answers exec with "pod does not exist" until it has synced its pods again:
  // what must hold is that exec comes back, into the same container.
  const execComesBack = async (name: string) => {
    const end = Date.now() + 120_000;
    while (Date.now() < end) {
      if (node!.kubectl(['exec', name, '--', 'true']).status === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    execWorks(name);
  };

  before(async () => {
    killed = await killedRun();
    node = await startRealNode();
    console.log(`real node usable after ${node.bringUpSeconds.toFixed(1)} s`);
  });
  after(async () => {
    if (node && !leftovers) await node.stop();
  });

  it('swept a run whose test process was killed after bring-up before coming up itself', () => {
    assert.equal(existsSync(`/run/${killed!.run}`), false, 'the killed run was not swept');
    assert.equal(existsSync(`/run/netns/${killed!.run}`), false, "the killed run's netns was not swept");
    // Its kubelet had set kernel.panic and others: the sweep wrote them back before this run's record.
    assert.deepEqual(recordedSysctls(node!.paths.run), killed!.sysctls);
  });

  it('runs a Pod to Succeeded from an image imported without a registry', () => {
    ok(['apply', '-f', '-'], pod('hello', 'echo hello-from-pod'));
    ok(['wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/hello', '--timeout=180s']);
    assert.equal(ok(['logs', 'hello']).trim(), 'hello-from-pod');
  });

  it('runs a Job that writes through a PVC bound to a hostPath PV to Complete', () => {
    const dir = join(node!.paths.state, 'pv-data');
    ok(['apply', '-f', '-'], pvcJob(dir));
    ok(['wait', '--for=condition=complete', 'job/writer', '--timeout=240s']);
    assert.equal(readFileSync(join(dir, 'from-job'), 'utf8').trim(), 'default');
  });

  it('execs into a running pod with stdin', () => {
    ok(['apply', '-f', '-'], pod('sleeper', 'sleep 3600'));
    ok(['wait', '--for=condition=Ready', 'pod/sleeper', '--timeout=180s']);
    execWorks('sleeper');
  });

  it('has no route out of its network namespace, for the node or for a pod', () => {
    const routes = spawnSync('ip', ['-n', node!.netns, 'route', 'show'], { encoding: 'utf8' }).stdout;
    assert.match(routes, /10\.89\.0\.0\/24 dev hfnode0/);
    assert.doesNotMatch(routes, /^default/m);
    assert.doesNotMatch(ok(['exec', 'sleeper', '--', 'ip', 'route']), /^default/m);
  });

  it('lets a pod reach the API server through the kubernetes Service (kube-proxy)', () => {
    // nc exits 0 only if the TCP connection to the ClusterIP was made (DNAT to 10.89.0.1:6443).
    const r = node!.kubectl(['exec', 'sleeper', '--', 'sh', '-c', 'echo | nc -w 5 10.0.0.1 443 >/dev/null; echo rc=$?']);
    assert.equal(r.stdout.trim(), 'rc=0', r.stderr);
  });

  it('keeps a running pod and exec through a kubelet restart', async () => {
    const id = containerId('sleeper');
    await node!.restartKubelet();
    ok(['wait', '--for=condition=Ready', 'node/hfnode', '--timeout=120s']);
    ok(['wait', '--for=condition=Ready', 'pod/sleeper', '--timeout=120s']);
    assert.equal(containerId('sleeper'), id, 'the container was replaced');
    await execComesBack('sleeper');
  });

  it('keeps a running pod and exec through a containerd restart', async () => {
    const id = containerId('sleeper');
    await node!.restartContainerd();
    ok(['wait', '--for=condition=Ready', 'pod/sleeper', '--timeout=120s']);
    assert.equal(containerId('sleeper'), id, 'the container was replaced');
    await execComesBack('sleeper');
  });

  it('tears down leaving no process, mount, link, chain, netns, cgroup or changed sysctl', async () => {
    const state = node!.paths.state;
    const t0 = Date.now();
    leftovers = await node!.stop();
    console.log(`real node torn down in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.deepEqual(leftovers, []);
    assert.equal(existsSync(state), false, `${state} still there`);
    assert.equal(existsSync(node!.paths.run), false);
  });
});
