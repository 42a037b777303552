/**
 * A service on the host's loopback (versitygw from s3-server.ts), made reachable from inside the
 * real node's network namespace at `NODE_IP:<port>`, so pods reach it through the cluster network.
 *
 * The namespace has no route out by design, so this is the one deliberate door: a socat inside the
 * namespace listens on the node address and connects to a unix socket, and a socat outside forwards
 * that socket to the host port (a unix socket is a file, so it crosses network namespaces). Both are
 * processes of their own: a relay in the test process would stall whenever the test waits in a
 * synchronous call. Nothing else of the host becomes reachable, and the door closes with `close()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { exited } from './kube.js';
import { NODE_IP } from './node-config.js';
import type { RealNode } from './node.js';

export interface ClusterDoor {
  /** `NODE_IP:port`, as pods and the node see it. */
  address: string;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function exposeToCluster(node: Pick<RealNode, 'netns' | 'paths'>, hostPort: number, clusterPort: number): Promise<ClusterDoor> {
  const sock = join(node.paths.run, `door-${clusterPort}.sock`);
  const relays: ChildProcess[] = [];
  const close = async () => {
    for (const r of relays) await exited(r, 1000);
  };
  relays.push(spawn('socat', [`UNIX-LISTEN:${sock},fork,unlink-early`, `TCP:127.0.0.1:${hostPort}`], { stdio: ['ignore', 'ignore', 'inherit'] }));
  for (let i = 0; i < 50 && !existsSync(sock); i++) await sleep(100);
  relays.push(
    spawn('nsenter', [`--net=/run/netns/${node.netns}`, '--', 'socat', `TCP-LISTEN:${clusterPort},bind=${NODE_IP},fork,reuseaddr`, `UNIX-CONNECT:${sock}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  const probe = ['nsenter', `--net=/run/netns/${node.netns}`, '--', 'bash', '-c', `exec 3<>/dev/tcp/${NODE_IP}/${clusterPort}`];
  for (let i = 0; i < 100; i++) {
    if (spawnSync(probe[0]!, probe.slice(1)).status === 0) return { address: `${NODE_IP}:${clusterPort}`, close };
    await sleep(100);
  }
  await close();
  throw new Error(`real node: ${NODE_IP}:${clusterPort} did not open inside netns ${node.netns}`);
}
