/**
 * End to end: incident playbooks driven by `holdfast serve` (the real CLI, as a child process).
 * serve starts the real example shop (examples/shop/server.ts) on v1 and issues its certificate;
 * backups are taken through the API ("run now"); v2 is deployed (serve stopped, which stops the
 * shop, and started again with HOLDFAST_DEPLOY_COMMIT for the shop's start command) and writes;
 * real Bandit reports are uploaded through POST /api/v1/sarif as CI would:
 *
 *  1. v2's report before v1 was ever scanned: no clean restore point, so no incident is created
 *     and the webhook gets an `incident-refused` alert that says why;
 *  2. v1's clean report, then a later v2 report with one more shell=True call: a proposal, and an
 *     `incident-proposed` alert naming it;
 *  3. approve through the API: 202, a second approve 409, a backup asked for meanwhile is skipped
 *     with its reason; serve is killed -9 between the restore's two renames, and the next serve
 *     neither starts the shop nor recreates the volume; approve resumes it and it succeeds — the
 *     shop serve started was stopped and restarted by the playbook, the data equals the v1 backup,
 *     the served certificate has a new key, a TLS client connecting throughout saw no failed handshake;
 *  4. serve still manages the restarted shop: the next renewal reloads it, a serve restarted after
 *     kill -9 adopts it from its pid file, stopping serve stops it, and no process is left.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { keyIdOf } from '../../src/playbook/index.js';
import { trustedHandshake } from '../../src/playbook/checks.js';
import { alive, LocalService, runningPidIn } from '../../src/platform/local/service.js';
import { systemClock } from '../../src/platform/clock.js';
import { Checkout, bandit } from '../sast/scanners.js';
import { banditReports, digest, freePort, stopWindow, TlsLoop, v1, v2 } from '../playbook/harness.js';
import { WebhookReceiver } from '../harness/webhook.js';
import { Serve } from '../harness/serve.js';

const root = new URL('../../', import.meta.url).pathname;

/** v2 scanned again later, with one more command injection: one new high finding (real Bandit). */
function banditV2Later(): Buffer {
  const co = new Checkout('py-notes');
  try {
    co.write('notes.py', co.read('notes.py') + '\n\ndef archive_notes(name):\n    return subprocess.call("tar czf /tmp/" + name + ".tgz notes", shell=True)\n');
    return bandit(co);
  } finally {
    co.dispose();
  }
}

/** A SARIF log marked as scanned at `time` (what a scanner records as the invocation's start). */
function scannedAt(report: Buffer, time: string): Buffer {
  const log = JSON.parse(report.toString('utf8')) as { runs: { invocations?: { startTimeUtc?: string }[] }[] };
  for (const run of log.runs) for (const inv of run.invocations ?? []) inv.startTimeUtc = time;
  return Buffer.from(JSON.stringify(log));
}


interface Reply<T> {
  status: number;
  body: T;
  text: string;
}

describe('incidents in holdfast serve: trigger on upload, approve through the API, the shop stays managed', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-incident-serve-'));
  const dataDir = join(dir, 'holdfast');
  const config = join(dir, 'holdfast.yaml');
  const serve = new Serve();
  const hook = new WebhookReceiver();
  let shopPort = 0;
  let token = '';
  let ca: Buffer;
  let client: TlsLoop | undefined;
  let env: NodeJS.ProcessEnv;
  let shop: LocalService;

  const api = <T = Record<string, unknown>>(path: string, o: { method?: string; body?: Buffer | string; type?: string } = {}): Promise<Reply<T>> =>
    new Promise((resolve, reject) => {
      const req = request(new URL(path, serve.url), { method: o.method ?? 'GET', ca, headers: { authorization: `Bearer ${token}`, ...(o.type ? { 'content-type': o.type } : {}) } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // a report (HTML, Markdown)
          }
          resolve({ status: res.statusCode!, body: body as T, text });
        });
      });
      req.on('error', reject);
      req.end(o.body);
    });

  async function eventually<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await f().catch(() => undefined);
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${serve.stderr.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const shopCa = () => readFileSync(join(dir, 'certs', 'ca.crt'), 'utf8');
  const items = () => readFileSync(join(dir, 'data', 'items.jsonl'), 'utf8');
  const runningCommit = () => (JSON.parse(readFileSync(join(dir, 'version.json'), 'utf8')) as { commit: string }).commit;

  function postItem(item: Record<string, unknown>): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: shopPort, path: '/items', method: 'POST', ca: shopCa(), servername: 'localhost', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.once('error', reject);
      req.end(JSON.stringify(item));
    });
  }

  async function healthy(commit: string): Promise<void> {
    await eventually(`shop healthy on ${commit.slice(0, 8)}`, async () => {
      const h = await trustedHandshake({ host: '127.0.0.1', port: shopPort, serverName: 'localhost' }, shopCa(), 2000);
      return h.authorized && runningCommit() === commit;
    }, 60_000);
  }

  /** A backup through the API ("run now"), waited for; returns its snapshot id. */
  async function backup(): Promise<string> {
    const before = (await api<{ id: number }[]>('/api/v1/runs?kind=backup&limit=1000')).body.length;
    assert.equal((await api('/api/v1/jobs/backup/shop/shop-data/run', { method: 'POST' })).status, 202);
    const run = await eventually('the backup run', async () => {
      const runs = (await api<{ status: string; snapshotId?: string; message?: string }[]>('/api/v1/runs?kind=backup&limit=1000')).body;
      return runs.length > before && runs[0]!.status !== 'running' && runs[0];
    });
    assert.equal(run.status, 'succeeded', run.message);
    return run.snapshotId!;
  }

  const upload = (report: Buffer, commit: string) =>
    api<{ newFindings: { id: string; ruleId: string; severity: string }[]; incidents: { proposed: { id: string; volume: string; findingId: string; message: string; autoRun: boolean }[]; refused: { volume: string; findingId: string; message: string }[]; triggerMs: number } }>(
      `/api/v1/sarif?repository=github.com/acme/notes&commit=${commit}&ref=main&imageDigest=${digest(commit)}&name=bandit-${commit.slice(0, 4)}.sarif`,
      { method: 'POST', type: 'application/sarif+json', body: report },
    );

  before(async () => {
    shopPort = await freePort();
    const hookUrl = await hook.start();
    writeFileSync(join(dir, 'pw'), 'correct horse battery staple\n', { mode: 0o600 });
    // The start command: the version to run is HOLDFAST_DEPLOY_COMMIT when a deploy names one, else v1.
    writeFileSync(
      join(dir, 'start-shop.sh'),
      `#!/bin/sh\nset -eu\ncommit="\${HOLDFAST_DEPLOY_COMMIT:-${v1}}"\ncase "$commit" in ${v1}) d="${digest(v1)}";; *) d="${digest(v2)}";; esac\nprintf '{"commit":"%s","imageDigest":"%s"}\\n' "$commit" "$d" > "${dir}/version.json"\nmkdir -p "${dir}/data"\nHOLDFAST_SHOP_COMMIT="$commit" exec "${process.execPath}" --import tsx examples/shop/server.ts --data-dir "${dir}/data" --cert-dir "${dir}/certs" --host 127.0.0.1 --port ${shopPort}\n`,
    );
    writeFileSync(
      config,
      `version: 1
server: { dataDir: ./holdfast, listen: "127.0.0.1:${await freePort()}" }
repositories:
  local: { location: ./repo, password: { file: ./pw } }
volumes:
  shop-data: { path: ./data, create: true }
workloads:
  shop:
    volumes: [shop-data]
    cwd: ${root}
    start: sh ${dir}/start-shop.sh
    reload: kill -HUP "$HOLDFAST_SERVICE_PID"
    version: { file: ${dir}/version.json }
backupPolicies:
  shop:
    repository: local
    volumes: [shop-data]
    # Never on its own during the test: backups are asked for through the API, at known moments.
    schedule: "0 0 1 1 *"
certificates:
  shop-tls:
    commonName: shop.local
    dnsNames: [localhost]
    ipAddresses: [127.0.0.1]
    certFile: ./certs/tls.crt
    keyFile: ./certs/tls.key
    caFile: ./certs/ca.crt
    # 2-minute certificates renewed when 100 s remain, checked every 2 s: renewals go on before and
    # after the incident (reaching whichever shop process runs), and are skipped, with the reason,
    # during it — which leaves the one being served at least 100 s, plenty for a slow machine.
    validity: 2m
    renewBefore: 100s
    schedule: "*/2 * * * * *"
    endpoint: 127.0.0.1:${shopPort}
    workload: shop
alerts:
  webhooks: [{ name: receiver, url: "${hookUrl}", backoff: 200ms }]
`,
    );
    env = { ...process.env, HOLDFAST_TEST_FAST_KDF: '1', HOLDFAST_LOG_LEVEL: 'info' };
    delete env.HOLDFAST_DEPLOY_COMMIT;
    delete env.HOLDFAST_PLAYBOOK_HOLD;
    shop = new LocalService({ name: 'shop', start: `sh ${dir}/start-shop.sh`, reload: 'kill -HUP "$HOLDFAST_SERVICE_PID"', cwd: root, env, dataDir }, systemClock);
    banditReports(); // scanned before the clock of the story starts
    await serve.start(config, env);
    token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
    ca = readFileSync(join(dataDir, 'tls', 'ca.crt'));
  });

  after(async () => {
    await client?.stop();
    await serve.stop();
    const pid = await runningPidIn(join(dataDir, 'services', 'shop.pid'));
    if (pid) process.kill(-pid, 'SIGKILL'); // only if the test failed before proving serve stops it
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let v1Items = '';
  let v1Snapshot = '';
  let servePid = 0;
  let proposalId = '';
  let keyBefore = '';
  let finishedAt = 0;

  it('starts the shop on v1 itself (pid file), backs it up, stops it on shutdown; started again on v2, backs that up', async () => {
    await healthy(v1);
    servePid = (await shop.pid())!;
    assert.ok(servePid > 0, 'serve wrote the shop pid file');
    assert.match(serve.stderr, new RegExp(`workload shop: started process ${servePid}`));
    for (let i = 0; i < 3; i++) assert.equal(await postItem({ by: 'v1', n: i }), 201);
    v1Snapshot = await backup();
    v1Items = items();

    // Deploy v2: serve stopped (which stops the shop it started) and started again with the new
    // version for the shop's start command.
    assert.equal(await serve.stop(), 0, serve.stderr.slice(-2000));
    assert.equal(alive(servePid), false, 'stopping serve stopped the shop');
    assert.equal(await shop.pid(), undefined);
    // This serve also holds an incident run between the restore's two renames (the kill -9 point).
    await serve.start(config, { ...env, HOLDFAST_DEPLOY_COMMIT: v2, HOLDFAST_PLAYBOOK_HOLD: 'restore:between-renames' });
    await healthy(v2);
    for (let i = 0; i < 3; i++) assert.equal(await postItem({ by: 'v2', n: i, note: 'written by the vulnerable version' }), 201);
    await backup();
    servePid = (await shop.pid())!;
  });

  it('refuses to propose an incident when there is no clean restore point, creates nothing, and alerts why', async () => {
    const r = await upload(banditReports().vuln, v2);
    assert.equal(r.status, 201, r.text);
    const high = r.body.newFindings.filter((f) => f.severity === 'high');
    assert.ok(high.some((f) => f.ruleId === 'B602'), JSON.stringify(r.body.newFindings));
    assert.deepEqual(r.body.incidents.proposed, []);
    // The high findings are one scan's (Bandit's): one plan for them all, refused once, counting the others.
    assert.ok(high.length >= 2, JSON.stringify(high));
    assert.equal(r.body.incidents.refused.length, 1, JSON.stringify(r.body.incidents.refused));
    const [refusal] = r.body.incidents.refused;
    assert.ok(high.some((f) => f.id === refusal!.findingId));
    assert.match(refusal!.message, /no restore point can be chosen, nothing was changed/);
    assert.match(refusal!.message, new RegExp(`\\(the same for ${high.length - 1} more new finding\\(s\\) of the same scan\\)$`));
    assert.deepEqual((await api<unknown[]>('/api/v1/incidents')).body, []);
    const alert = await hook.waitFor((a) => a.event === 'incident-refused' && a.details.finding === refusal!.findingId);
    assert.equal(alert.details.volume, 'shop-data');
    assert.match(alert.summary, /^no incident proposed for volume shop-data \(finding [0-9a-f]+, high B\d+\): incident on volume shop-data: no restore point can be chosen/);
    assert.match(alert.summary, /options: ingest a SARIF report/);
    assert.equal(items().includes('written by the vulnerable version'), true, 'nothing was restored');
  });

  it('proposes an incident for a new high finding in the running version, alerts naming it, and shows its plan', async () => {
    assert.equal((await upload(scannedAt(banditReports().clean, '2026-01-01T00:00:00Z'), v1)).status, 201);
    const report = banditV2Later();
    const t0 = performance.now();
    const r = await upload(report, v2);
    const roundTrip = performance.now() - t0;
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.newFindings.length, 1, JSON.stringify(r.body.newFindings));
    assert.equal(r.body.newFindings[0]!.ruleId, 'B602');
    const [p] = r.body.incidents.proposed;
    assert.ok(p, JSON.stringify(r.body.incidents));
    assert.equal(p.volume, 'shop-data');
    assert.equal(p.autoRun, false, 'auto-run is off by default');
    proposalId = p.id;
    console.log(`trigger: upload → proposal in the journal ${r.body.incidents.triggerMs} ms in the server; the whole upload (ingest + trigger) ${roundTrip.toFixed(0)} ms over HTTPS`);

    const alert = await hook.waitFor((a) => a.event === 'incident-proposed' && a.key === proposalId);
    assert.equal(alert.details.incident, proposalId);
    assert.equal(alert.details.finding, p.findingId);
    assert.match(alert.summary, new RegExp(`^incident ${proposalId} proposed for volume shop-data: .*awaiting approval; approve with POST /api/v1/incidents/${proposalId}/approve$`));

    const list = (await api<{ id: string; status: string }[]>('/api/v1/incidents')).body;
    assert.deepEqual(list.map((x) => [x.id, x.status]), [[proposalId, 'proposed']]);
    const detail = (await api<{ incident: { status: string }; steps: { status: string }[]; plan: { text: string; plan: { choice: { snapshotId: string } } } }>(`/api/v1/incidents/${proposalId}`)).body;
    assert.equal(detail.incident.status, 'proposed');
    assert.ok(detail.steps.length > 5 && detail.steps.every((s) => s.status === 'pending'));
    assert.equal(detail.plan.plan.choice.snapshotId, v1Snapshot, 'the v1 backup is the one the plan restores');
    assert.match(detail.plan.text, /^incident plan \(dry run, nothing changed\)[\s\S]*restore point: volume shop-data: restore [0-9a-f]+/);
    assert.equal((await api(`/api/v1/incidents/${proposalId}/report`)).status, 404, 'no report before the run');
    assert.equal((await api('/api/v1/incidents/inc-20990101-000000-beef')).status, 404);
    const unknown = await api<{ code: string }>('/api/v1/incidents/inc-20990101-000000-beef/approve', { method: 'POST' });
    assert.deepEqual([unknown.status, unknown.body.code], [404, 'INCIDENT_NOT_FOUND']);
    assert.equal((await api('/api/v1/incidents/..%2Fapi-token')).status, 400);
    const openapi = (await api<{ paths: Record<string, unknown> }>('/openapi.json')).body;
    for (const path of ['/api/v1/incidents', '/api/v1/incidents/{id}', '/api/v1/incidents/{id}/approve', '/api/v1/incidents/{id}/abort', '/api/v1/incidents/{id}/report'])
      assert.ok(openapi.paths[path], `${path} in /openapi.json`);
  });

  it('runs the approved incident in the server: 409 on a second approve, backups skipped; killed -9 mid-restore, a new serve leaves the shop down, approve resumes it; the shop is restored to v1 with a new key', async () => {
    keyBefore = (await trustedHandshake({ host: '127.0.0.1', port: shopPort, serverName: 'localhost' }, shopCa())).keyId!;
    client = new TlsLoop(shopPort, shopCa());
    const approved = await api<{ id: string; status: string; runningHere: boolean }>(`/api/v1/incidents/${proposalId}/approve`, { method: 'POST', type: 'application/json', body: JSON.stringify({ actor: 'e2e-operator' }) });
    assert.equal(approved.status, 202, approved.text);
    assert.deepEqual([approved.body.status, approved.body.runningHere], ['running', true]);
    const again = await api<{ code: string; message: string }>(`/api/v1/incidents/${proposalId}/approve`, { method: 'POST' });
    assert.deepEqual([again.status, again.body.code], [409, 'INCIDENT_RUNNING'], again.text);
    const abort = await api<{ code: string }>(`/api/v1/incidents/${proposalId}/abort`, { method: 'POST' });
    assert.deepEqual([abort.status, abort.body.code], [409, 'INCIDENT_RUNNING']);
    await eventually('the run held between the restore renames', async () => existsSync(join(dataDir, 'incidents', proposalId, 'held-restore-between-renames')));
    // A backup asked for while the incident runs is skipped with its reason: not run, not failed, no alert.
    assert.equal((await api('/api/v1/jobs/backup/shop/shop-data/run', { method: 'POST' })).status, 202);

    // kill -9 of serve in the middle of the swap: the volume directory is not there, the shop is stopped.
    const killed = new Promise((r) => serve.child!.once('exit', r));
    serve.child!.kill('SIGKILL');
    await killed;
    assert.equal(existsSync(join(dir, 'data')), false, 'between the renames');
    assert.equal(alive(servePid), false, 'the shop was stopped by the quiesce step');
    const from = serve.stderr.length;
    await serve.start(config, env);
    assert.match(serve.stderr.slice(from), new RegExp(`workload shop: not started: incident ${proposalId} is running on volume shop-data`));
    assert.equal(existsSync(join(dir, 'data')), false, 'serve did not create an empty volume under the interrupted restore');
    const interrupted = (await api<{ incident: { interrupted: boolean } }>(`/api/v1/incidents/${proposalId}`)).body;
    assert.equal(interrupted.incident.interrupted, true);
    assert.equal((await api('/api/v1/jobs/backup/shop/shop-data/run', { method: 'POST' })).status, 202);

    const t0 = performance.now();
    const resumed = await api<{ status: string }>(`/api/v1/incidents/${proposalId}/approve`, { method: 'POST' });
    assert.deepEqual([resumed.status, resumed.body.status], [202, 'running'], resumed.text);
    const done = await eventually('the incident finished', async () => {
      const d = (await api<{ incident: { status: string; message?: string }; steps: { step: string; attempts: number }[] }>(`/api/v1/incidents/${proposalId}`)).body;
      return d.incident.status !== 'running' && d;
    }, 240_000);
    const ms = performance.now() - t0;
    await client.stop();
    assert.equal(done.incident.status, 'succeeded', `${done.incident.message}\n${serve.stderr.slice(-4000)}`);
    const failed = client.failedOutside(...stopWindow((await api<{ steps: { step: string; startedAt?: string; completedAt?: string }[] }>(`/api/v1/incidents/${proposalId}`)).body.steps));
    console.log(`incident in serve: resume (approve) → succeeded ${(ms / 1000).toFixed(1)} s; TLS client ${client.ok} ok, ${client.refused} refused (shop stopped), ${failed.length} failed handshakes`);
    assert.deepEqual(failed, [], 'no failed TLS handshake');
    assert.equal(done.steps.find((x) => x.step === 'restore')!.attempts, 2, 'the interrupted restore ran again');
    assert.equal(done.steps.find((x) => x.step === 'quiesce')!.attempts, 1, 'nothing completed ran twice');

    const skipped = (await api<{ kind: string; target: string; status: string; reason?: string; message?: string }[]>('/api/v1/runs?status=missed&limit=1000')).body.filter((r) => r.reason === 'IncidentActive');
    assert.ok(skipped.some((r) => r.kind === 'backup' && r.target === 'shop-data' && r.message === `backup/shop/shop-data skipped: incident ${proposalId} is running`), JSON.stringify(skipped));
    assert.ok(skipped.some((r) => r.kind === 'backup' && /skipped: incident \S+ was interrupted \(process \d+ is gone; resume or abort it\)$/.test(r.message ?? '')), JSON.stringify(skipped));
    assert.equal(hook.received.some((a) => a.event === 'schedule-missed' || a.event === 'backup-failed'), false, 'a skip is not alerted as a failure');

    // The shop serve started was stopped and restarted by the playbook, on v1, with the v1 data.
    const pid = (await shop.pid())!;
    assert.ok(pid && pid !== servePid, `a new shop process (${servePid} → ${pid})`);
    assert.equal(alive(servePid), false, 'the old one is gone');
    assert.equal(runningCommit(), v1);
    assert.equal(items(), v1Items, 'the data equals the v1 backup');
    const served = await trustedHandshake({ host: '127.0.0.1', port: shopPort, serverName: 'localhost' }, shopCa());
    assert.equal(served.authorized, true, served.error);
    assert.notEqual(served.keyId, keyBefore, 'the served certificate has a new key');
    finishedAt = Date.now();

    const report = await api(`/api/v1/incidents/${proposalId}/report`);
    assert.equal(report.status, 200);
    assert.ok(report.text.includes(v1Snapshot) && report.text.includes('B602'), 'the report names the restore point and the finding');
    assert.match((await api(`/api/v1/incidents/${proposalId}/report?format=md`)).text, new RegExp(`^# Incident ${proposalId}`));
    const finished = await api<{ code: string }>(`/api/v1/incidents/${proposalId}/approve`, { method: 'POST' });
    assert.deepEqual([finished.status, finished.body.code], [409, 'INCIDENT_FINISHED']);
  });

  it('still manages the restarted shop: the next renewal reloads it, a restarted serve adopts it, and stopping serve stops it, leaving no process', async () => {
    const pid = (await shop.pid())!;
    // The renewal after the incident reloads the process the playbook started (its pid from the
    // file: a reload of a gone pid would fail, and be logged as a warning).
    type Run = { id: number; status: string; startedAt?: string; details: { renewed?: string } };
    const renewal = await eventually('a renewal after the incident', async () => {
      const runs = (await api<Run[]>('/api/v1/runs?kind=certificate&status=succeeded&limit=50')).body;
      return runs.find((r) => r.details.renewed && Date.parse(r.startedAt!) > finishedAt);
    }, 60_000);
    const logs = (await api<{ logs: { level: string; message: string }[] }>(`/api/v1/runs/${renewal.id}`)).body.logs;
    assert.ok(logs.some((l) => l.level === 'info' && l.message === 'reload shop: ok'), JSON.stringify(logs));
    assert.equal(await shop.pid(), pid, 'the same process, reloaded, not restarted');
    await eventually('the shop serves the certificate on disk (the renewed one)', async () => {
      const served = await trustedHandshake({ host: '127.0.0.1', port: shopPort, serverName: 'localhost' }, shopCa());
      return served.keyId === keyIdOf(readFileSync(join(dir, 'certs', 'tls.crt'), 'utf8'));
    }, 10_000);

    // serve killed -9 leaves the detached shop running; the next serve adopts it from its pid file.
    const killed = new Promise((r) => serve.child!.once('exit', r));
    serve.child!.kill('SIGKILL');
    await killed;
    assert.equal(alive(pid), true, 'the shop outlives a crashed serve');
    await serve.start(config, env);
    assert.match(serve.stderr, new RegExp(`workload shop: adopted running process ${pid}`));
    assert.equal(await shop.pid(), pid);

    assert.equal(await serve.stop(), 0, serve.stderr.slice(-2000));
    assert.equal(alive(pid), false, `shop process ${pid} was stopped with serve`);
    assert.equal(existsSync(join(dataDir, 'services', 'shop.pid')), false, 'its pid file is gone');
  });
});
