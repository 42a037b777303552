import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { chainsOf, hostDiff, mountPoints, type HostState } from './node-host.js';

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
