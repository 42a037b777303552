/**
 * Configuration files of the real one-node cluster (test/harness/node.ts), from the verified recipe
 * in shared/K8S-NODE.md. Everything listens inside the cluster's own network namespace, so fixed
 * ports cannot collide with anything on the host; every path is under the run's state folder (`state`,
 * on disk) or its run folder (`run`, short, because unix socket paths are limited to 107 bytes).
 */
import { join } from 'node:path';

export const NODE_NAME = 'hfnode';
/** The node's address, on a port-less bridge inside the namespace: the only address there. */
export const NODE_IP = '10.89.0.1';
export const POD_CIDR = '10.88.0.0/16';
export const SERVICE_CIDR = '10.0.0.0/24';
export const PORTS = { etcd: 2379, etcdPeer: 2380, apiserver: 6443, kubelet: 10250, kubeletHealthz: 10248, stream: 10010 };

export interface Paths {
  state: string;
  run: string;
}

export const containerdSock = (p: Paths) => join(p.run, 'containerd.sock');

export function containerdToml(p: Paths, sandboxImage: string): string {
  return `version = 2
root = "${join(p.state, 'containerd', 'root')}"
state = "${join(p.run, 'state')}"
[grpc]
  address = "${containerdSock(p)}"
[ttrpc]
  address = "${containerdSock(p)}.ttrpc"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "${join(p.state, 'containerd', 'opt')}"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${sandboxImage}"
  enable_selinux = false
  # These sandboxes lack CAP_SYS_RESOURCE: without this every pod fails with
  # "can't get final child's PID from pipe" (runc cannot lower oom_score_adj).
  restrict_oom_score_adj = true
  # Pinned, so exec/attach/port-forward do not depend on a random port.
  stream_server_address = "127.0.0.1"
  stream_server_port = "${PORTS.stream}"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${join(p.state, 'cni')}"
`;
}

/** No default route and no masquerade: pods reach the pod range, the node and Services only. */
export function cniConflist(p: Paths): string {
  return JSON.stringify({
    cniVersion: '0.4.0',
    name: 'hf-pods',
    plugins: [
      {
        type: 'bridge',
        bridge: 'hfcni0',
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: POD_CIDR }]],
          routes: [{ dst: POD_CIDR }, { dst: `${NODE_IP}/32` }, { dst: SERVICE_CIDR }],
          dataDir: join(p.run, 'ipam'),
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
      { type: 'loopback' },
    ],
  });
}

export function kubeletYaml(p: Paths): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${NODE_IP}
port: ${PORTS.kubelet}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${PORTS.kubeletHealthz}
authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: ${join(p.state, 'pki', 'ca.crt')}}}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
containerRuntimeEndpoint: unix://${containerdSock(p)}
clusterDomain: cluster.local
clusterDNS: []
resolvConf: ""
podLogsDir: ${join(p.state, 'pod-logs')}
volumePluginDir: ${join(p.state, 'volume-plugins')}
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
maxPods: 50
makeIPTablesUtilChains: false
`;
}

export function kubeProxyYaml(p: Paths): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: ${join(p.state, 'admin.kubeconfig')}}
mode: iptables
hostnameOverride: ${NODE_NAME}
clusterCIDR: ${POD_CIDR}
bindAddress: ${NODE_IP}
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0}
nodePortAddresses: ["${NODE_IP}/32"]
`;
}

/** A kubeconfig with a bearer token or a client certificate (paths inside `state`). */
export function kubeconfig(caFile: string, user: { token: string } | { cert: string; key: string }): string {
  const cred = 'token' in user ? `{token: "${user.token}"}` : `{client-certificate: "${user.cert}", client-key: "${user.key}"}`;
  return `apiVersion: v1
kind: Config
clusters: [{name: node, cluster: {server: "https://${NODE_IP}:${PORTS.apiserver}", certificate-authority: "${caFile}"}}]
users: [{name: u, user: ${cred}}]
contexts: [{name: node, context: {cluster: node, user: u}}]
current-context: node
`;
}
