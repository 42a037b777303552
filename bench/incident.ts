/**
 * Recovery time of the restore-secure-and-rotate playbook on the local platform, end to end from
 * the CLI (the same story as test/playbook): the shop runs v1 over a volume of N MiB of
 * incompressible files, is backed up, runs v2, is backed up, Bandit judges v2 vulnerable; then
 * `holdfast incident run --yes`. Measured while a writer POSTs every 20 ms and a TLS client opens
 * new connections in a loop:
 *   - trigger to verified: from starting the run to its exit (journal: first step started -> verify completed)
 *   - write-unavailability window: the longest gap between successful writes (and quiesce -> healthy from the journal)
 *   - failed handshakes (refused connections while stopped are counted apart: that is the outage)
 * Run: npx tsx bench/incident.ts [volume-MiB, default 256]
 */
import { performance } from 'node:perf_hooks';
import { Story, WriteLoop } from '../test/playbook/harness.js';

const mib = Number(process.argv[2] ?? 256);
const s = new Story();
try {
  const t0 = performance.now();
  const finding = await s.setUp({ fillBytes: mib * 1024 * 1024 }); // not mib << 20: 2048 << 20 overflows to a negative int32
  const setupS = (performance.now() - t0) / 1000;
  const tls = s.startClient();
  const writes = new WriteLoop(s);
  await new Promise((r) => setTimeout(r, 500));
  const start = performance.now();
  const run = await s.cliAsync(['incident', 'run', '--volume', 'shop-data', '--finding', finding, '--yes', '--json']).done;
  const wallMs = performance.now() - start;
  await new Promise((r) => setTimeout(r, 500));
  await writes.stop();
  await tls.stop();
  if (run.code !== 0) throw new Error(`incident run exited ${run.code}: ${run.err}`);
  const id = (JSON.parse(run.out) as { id: string }).id;
  const steps = s.catalog((c) => c.db.prepare('SELECT step, started_at, completed_at FROM incident_steps WHERE incident_id = ? ORDER BY seq').all(id) as { step: string; started_at: string; completed_at: string }[]);
  const at = (step: string, k: 'started_at' | 'completed_at') => Date.parse(steps.find((x) => x.step === step)![k]);
  const restored = s.catalog((c) => c.db.prepare("SELECT outputs FROM incident_steps WHERE incident_id = ? AND step = 'restore'").get(id) as { outputs: string });
  const data = (JSON.parse(restored.outputs) as { data: { bytes: number; entries: number } }).data;
  const result = {
    volumeMiB: mib,
    restoredBytes: data.bytes,
    restoredEntries: data.entries,
    setupSeconds: Number(setupS.toFixed(1)),
    triggerToVerifiedMs: Math.round(at('verify', 'completed_at') - at('assess', 'started_at')),
    runWallMs: Math.round(wallMs),
    journalOutageMs: Math.round(at('restart', 'completed_at') - at('quiesce', 'started_at')),
    observedWriteGapMs: writes.longestGapMs(),
    writesOk: writes.okAt.length,
    writesFailed: writes.failures,
    handshakesOk: tls.ok,
    handshakesRefused: tls.refused,
    // A reset while the shop is stopped is the listener closing on its backlog: outage, counted with the refused.
    handshakesResetWhileStopped: tls.failed.length - tls.failedOutside(at('quiesce', 'started_at'), at('restart', 'completed_at')).length,
    handshakesFailed: tls.failedOutside(at('quiesce', 'started_at'), at('restart', 'completed_at')).length,
    stepMs: Object.fromEntries(steps.map((x) => [x.step, Date.parse(x.completed_at) - Date.parse(x.started_at)])),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await s.dispose();
}
