import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { chainsOf, describeCleanup, hostDiff, mountPoints, planCleanup, type HostNow, type HostState, type ProcSeen, type RunFacts } from './node-host.js';

const clean: HostState = {
  sysctls: { 'vm/overcommit_memory': '0', 'kernel/panic': '0' },
  mounts: [],
  links: ['lo', 'eth0'],
  netns: [],
  chains: ['ip4/filter:INPUT'],
  cgroups: [],
  dirs: ['/run/containerd'],
};

describe('the real node teardown check (hostDiff)', () => {
  const cases: [string, Partial<HostState>, string[]][] = [
    ['reports nothing when the machine is as it was', {}, []],
    ['names a sysctl the kubelet changed and did not get back', { sysctls: { 'vm/overcommit_memory': '1', 'kernel/panic': '0' } }, ['sysctl vm.overcommit_memory is 1, was 0']],
    ['names a mount, a link, a netns and a chain left behind', { mounts: ['/var/lib/kubelet/pods/x'], links: ['lo', 'eth0', 'hfcni0'], netns: ['cni-1'], chains: ['ip4/filter:INPUT', 'ip4/nat:KUBE-SERVICES'] }, ['mount /var/lib/kubelet/pods/x left behind', 'link hfcni0 left behind', 'netns cni-1 left behind', 'iptables chain ip4/nat:KUBE-SERVICES left behind']],
    ['names a cgroup and a folder created outside the roots', { cgroups: ['/sys/fs/cgroup/memory/kubepods'], dirs: ['/run/containerd', '/var/lib/kubelet'] }, ['cgroup /sys/fs/cgroup/memory/kubepods left behind', 'folder /var/lib/kubelet left behind']],
    ['does not blame the cluster for what was there before', { dirs: [] }, []],
  ];
  for (const [name, after, want] of cases) it(name, () => assert.deepEqual(hostDiff(clean, { ...clean, ...after }), want));
});

describe('host records', () => {
  it('reads mount points with the kernel escapes undone', () => {
    const info = '36 35 98:0 / /mnt/a\\040b rw - ext4 /dev/x rw\n37 35 0:5 / /run/netns/cni-1 rw - nsfs nsfs rw\n';
    assert.deepEqual(mountPoints(info), ['/mnt/a b', '/run/netns/cni-1']);
  });
  it('lists chains per table and family from an iptables-save dump', () => {
    const dump = '*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n';
    assert.deepEqual(chainsOf(dump, 'ip4'), ['ip4/nat:PREROUTING', 'ip4/nat:KUBE-SERVICES', 'ip4/filter:INPUT']);
  });
});

describe('cleaning up after a killed run (planCleanup)', () => {
  const run: RunFacts = { run: '/run/hf-node-a1b2c3', state: '/var/tmp/holdfast-node-Xy12Zq', netns: 'hf-node-a1b2c3', nsLink: 'net:[4026532999]', before: clean };
  const host = 'net:[4026531992]';
  const proc = (pid: number, cmdline: string, netns = host, inPodCgroup = false): ProcSeen => ({ pid, cmdline, netns, inPodCgroup });
  const now = (h: Partial<HostState>, procs: ProcSeen[] = []): HostNow => ({ host: { ...clean, ...h }, procs, ownNsLink: host });
  const cases: [string, RunFacts, HostNow, string[]][] = [
    ['does nothing when the machine is as the record says', run, now({}, [proc(1, '/sbin/init'), proc(77, 'node other-test.js')]), []],
    [
      'puts back the kubelet\'s panic and overcommit sysctls',
      run,
      now({ sysctls: { 'vm/overcommit_memory': '1', 'kernel/panic': '10' } }),
      ['set vm.overcommit_memory back to 0 (was 1)', 'set kernel.panic back to 0 (was 10)'],
    ],
    [
      'kills what the run started: by its folders, its namespace or a pod cgroup, and nothing else',
      run,
      now({}, [
        proc(10, 'containerd --config /var/tmp/holdfast-node-Xy12Zq/containerd.toml', run.nsLink),
        proc(11, 'containerd-shim-runc-v2 -address /run/hf-node-a1b2c3/containerd.sock'),
        proc(12, 'etcd --name node', run.nsLink),
        proc(13, 'sleep 3600', 'net:[4026533000]', true),
        proc(14, 'containerd --config /var/tmp/holdfast-node-Other1/containerd.toml'),
        proc(15, 'sshd'),
      ]),
      [
        'killed pid 10: containerd --config /var/tmp/holdfast-node-Xy12Zq/containerd.toml',
        'killed pid 11: containerd-shim-runc-v2 -address /run/hf-node-a1b2c3/containerd.sock',
        'killed pid 12: etcd --name node',
        'killed pid 13: sleep 3600',
      ],
    ],
    ['kills nobody by folder when a damaged record names none', { ...run, run: '', state: '' }, now({}, [proc(22, 'sshd')]), []],
    ['kills nobody by namespace before the run had one', { ...run, nsLink: '' }, now({}, [proc(20, 'sshd', '')]), []],
    ['kills nobody by namespace if the record names the host\'s own', { ...run, nsLink: host }, now({}, [proc(21, 'sshd')]), []],
    [
      'deletes its namespace and the pods\', not another one made since or one there before',
      { ...run, before: { ...clean, netns: ['cni-old'] } },
      now({ netns: ['cni-old', 'hf-node-a1b2c3', 'cni-9f', 'someone-else'], mounts: ['/run/netns/hf-node-a1b2c3', '/run/netns/someone-else'] }),
      ['deleted netns hf-node-a1b2c3', 'deleted netns cni-9f'],
    ],
    [
      'unmounts the kubelet\'s mounts deepest first, not one that was there before',
      { ...run, before: { ...clean, mounts: ['/var/lib/kubelet'] } },
      now({ mounts: ['/var/lib/kubelet', '/var/tmp/holdfast-node-Xy12Zq/kubelet', '/var/tmp/holdfast-node-Xy12Zq/kubelet/pods/u/volumes/kubernetes.io~projected/t'] }),
      ['unmounted /var/tmp/holdfast-node-Xy12Zq/kubelet/pods/u/volumes/kubernetes.io~projected/t', 'unmounted /var/tmp/holdfast-node-Xy12Zq/kubelet'],
    ],
    [
      'removes the cgroups and outside folders it made, in that order',
      run,
      now({ cgroups: ['/sys/fs/cgroup/memory/kubepods'], dirs: ['/run/containerd', '/var/lib/kubelet'] }),
      ['removed cgroup /sys/fs/cgroup/memory/kubepods', 'removed folder /var/lib/kubelet'],
    ],
    [
      'keeps a cgroup and a folder that were there before the run',
      { ...run, before: { ...clean, cgroups: ['/sys/fs/cgroup/cpu/kubepods'], dirs: ['/run/containerd', '/var/lib/kubelet'] } },
      now({ cgroups: ['/sys/fs/cgroup/cpu/kubepods'], dirs: ['/run/containerd', '/var/lib/kubelet'] }),
      [],
    ],
    [
      'orders the steps: processes, namespaces, mounts, sysctls, cgroups, folders',
      run,
      now({ sysctls: { 'vm/overcommit_memory': '1', 'kernel/panic': '0' }, netns: ['hf-node-a1b2c3'], mounts: ['/var/tmp/holdfast-node-Xy12Zq/kubelet'], cgroups: ['/sys/fs/cgroup/pids/kubepods'], dirs: ['/run/containerd', '/var/log/pods'] }, [proc(30, 'kubelet --config=/var/tmp/holdfast-node-Xy12Zq/kubelet.yaml')]),
      [
        'killed pid 30: kubelet --config=/var/tmp/holdfast-node-Xy12Zq/kubelet.yaml',
        'deleted netns hf-node-a1b2c3',
        'unmounted /var/tmp/holdfast-node-Xy12Zq/kubelet',
        'set vm.overcommit_memory back to 0 (was 1)',
        'removed cgroup /sys/fs/cgroup/pids/kubepods',
        'removed folder /var/log/pods',
      ],
    ],
  ];
  for (const [name, r, n, want] of cases) it(name, () => assert.deepEqual(planCleanup(r, n).map(describeCleanup), want));
});
