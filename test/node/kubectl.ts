/**
 * How the real-node tests drive the cluster: kubectl in the node's network namespace, failing the
 * test with kubectl's own message, polling until something holds, and the teardown after a file.
 */
import { strict as assert } from 'node:assert';
import type { ClusterDoor } from '../harness/node-expose.js';
import type { RealNode } from '../harness/node.js';
import type { S3TestServer } from '../harness/s3-server.js';

/** `k` runs kubectl and returns its output; `json` reads objects (`-o json`). `node` is called each time: it is set in `before`. */
export function kubectlOf(node: () => RealNode | undefined) {
  const k = (args: string[], input?: string) => {
    const r = node()!.kubectl(args, input);
    assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const json = <T>(args: string[]) => JSON.parse(k([...args, '-o', 'json'])) as T;
  return { k, json };
}

/** Polls `probe` every second until it returns a value; `fail` may throw with the reason it never will. */
export async function waitFor<T>(what: string, ms: number, probe: () => T | undefined, fail?: () => void): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    fail?.();
    if (Date.now() > end) throw new Error(`${what} not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** After a file: the door into the cluster, the node (saying what its teardown left), the S3 server; each if it was started. */
export async function tearDown(p: { door: ClusterDoor | undefined; node: RealNode | undefined; s3: S3TestServer | undefined }): Promise<void> {
  await p.door?.close();
  if (p.node) {
    const left = await p.node.stop();
    if (left.length) console.log(`teardown left: ${left.join('; ')}`);
  }
  await p.s3?.stop();
}
