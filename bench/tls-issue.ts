/**
 * Issuance throughput: certificates per second from one CA, each with a freshly generated key
 * (the default: leaf keys rotate on every renewal), for ECDSA P-256 and RSA 2048, plus the signing
 * alone (a kept key) to show where the time goes. Run: npx tsx bench/tls-issue.ts [seconds-per-case]
 *
 * Key generation runs on libuv's thread pool (node:crypto generateKeyPair), so issuing with a
 * little concurrency uses both cores; the bench issues `concurrency` at a time.
 */
import { createPrivateKey } from 'node:crypto';
import { systemClock } from '../src/platform/clock.js';
import { createAuthority, DEFAULT_MAX_LIFETIME_MS, generateKey, issueLeaf, type KeyAlgorithm } from '../src/tls/index.js';

const seconds = Number(process.argv[2] ?? 3);
const concurrency = 4;

async function run(
  algorithm: KeyAlgorithm,
  keepKey: boolean,
): Promise<{ n: number; perSec: number; cpuMs: number }> {
  const ca = await createAuthority(
    { id: 'bench', commonName: 'Bench CA', algorithm, lifetimeMs: 365 * 86_400_000, intermediate: true },
    systemClock,
  );
  const key = keepKey
    ? createPrivateKey((await generateKey(algorithm)).privateKey.export({ type: 'pkcs8', format: 'pem' }))
    : undefined;
  const req = {
    name: 'bench',
    sans: { dns: ['bench.svc'], ip: ['10.0.0.1'], uri: [] },
    usages: ['serverAuth' as const],
    algorithm,
    lifetimeMs: 90 * 86_400_000,
    maxLifetimeMs: DEFAULT_MAX_LIFETIME_MS,
    ...(key ? { key } : {}),
  };
  await issueLeaf(req, ca, systemClock); // warm-up
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await issueLeaf(req, ca, systemClock);
        n++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  // CPU time per certificate (this thread; key generation on the thread pool is included by the OS
  // in the process's user time): a figure that a busy shared machine disturbs less than wall rate.
  return { n, perSec: n / ((performance.now() - start) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / n };
}

const rows: string[] = [];
for (const algorithm of ['ecdsa-p256', 'rsa-2048'] as KeyAlgorithm[]) {
  for (const keepKey of [false, true]) {
    const r = await run(algorithm, keepKey);
    rows.push(
      `${algorithm.padEnd(11)} ${keepKey ? 'kept key ' : 'new key  '} ${r.perSec.toFixed(1).padStart(8)} certs/s  ${r.cpuMs.toFixed(2).padStart(7)} CPU ms/cert  (${r.n} in ${seconds}s, concurrency ${concurrency})`,
    );
    console.log(rows.at(-1));
  }
}
