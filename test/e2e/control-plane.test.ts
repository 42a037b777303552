/**
 * End to end: `holdfast serve` (the real CLI, as a child process) running the example shop from
 * examples/shop/holdfast.yaml, with the schedules shortened to seconds and extra policies that
 * break on purpose (a hook that hangs, a repository on a full disk, a failing restore check, a
 * volume never verified). Scheduled backups, verified restores and certificate renewals must
 * happen on their own and show in the API, the metrics and — driven by a real Chromium — the
 * dashboard; every alert condition must reach a real webhook receiver on loopback; a restart after
 * downtime must report the missed runs.
 */
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { launchBrowser, screenshotDir } from '../harness/browser.js';
import { deadPort, WebhookReceiver } from '../harness/webhook.js';
import { Serve } from '../harness/serve.js';

const root = new URL('../../', import.meta.url).pathname;
const shopDir = join(root, 'examples', 'shop');

async function freePort(): Promise<number> {
  return deadPort();
}

/** The example config, pointed at a temporary state directory and sped up to seconds. */
function e2eConfig(tmp: string, o: { port: number; shopPort: number; hook: string; dead: number }): string {
  const doc = parseDocument(readFileSync(join(shopDir, 'holdfast.yaml'), 'utf8'));
  const st = (p: string) => join(tmp, p);
  doc.setIn(['server', 'listen'], `127.0.0.1:${o.port}`);
  doc.setIn(['server', 'dataDir'], st('holdfast'));
  doc.setIn(['repositories', 'local', 'location'], st('repo'));
  doc.setIn(
    ['repositories', 'local', 'password'],
    doc.createNode({ file: st('repo-password'), generate: true }),
  );
  doc.setIn(['repositories', 'local', 'maxConcurrent'], 2);
  doc.setIn(
    ['repositories', 'small'],
    doc.createNode({ location: st('small/repo'), password: { file: st('repo-password'), generate: true } }),
  );
  doc.setIn(['volumes', 'shop-data', 'path'], st('shop/data'));
  for (const v of ['hang-data', 'full-data', 'check-data', 'stale-data'])
    doc.setIn(['volumes', v], doc.createNode({ path: st(v), create: true }));
  doc.setIn(['workloads', 'shop', 'cwd'], shopDir);
  const shop = ['backupPolicies', 'shop-minutely'];
  doc.setIn([...shop, 'schedule'], '*/5 * * * * *');
  doc.setIn([...shop, 'missedAfter'], '2s');
  doc.setIn([...shop, 'verify', 'schedule'], '3,13,23,33,43,53 * * * * *');
  const every5 = { schedule: '*/5 * * * * *', missedAfter: '1m' };
  doc.setIn(
    ['backupPolicies', 'hangs'],
    doc.createNode({
      repository: 'local',
      volumes: ['hang-data'],
      ...every5,
      hooks: {
        pre: [{ name: 'freeze', command: 'sleep 600', timeout: '1s' }],
        post: [{ name: 'thaw', command: 'true' }],
      },
    }),
  );
  doc.setIn(
    ['backupPolicies', 'full'],
    doc.createNode({ repository: 'small', volumes: ['full-data'], ...every5 }),
  );
  doc.setIn(
    ['backupPolicies', 'bad-check'],
    doc.createNode({
      repository: 'local',
      volumes: ['check-data'],
      ...every5,
      runAtStart: true,
      verify: { schedule: '*/4 * * * * *', check: 'echo restored data fails its check >&2; exit 3' },
    }),
  );
  doc.setIn(
    ['backupPolicies', 'never-verified'],
    doc.createNode({
      repository: 'local',
      volumes: ['stale-data'],
      ...every5,
      runAtStart: true,
      verify: { schedule: '0 0 1 1 *', staleAfter: '2s' },
    }),
  );
  const cert = ['certificates', 'shop-tls'];
  doc.setIn([...cert, 'certFile'], st('shop/certs/tls.crt'));
  doc.setIn([...cert, 'keyFile'], st('shop/certs/tls.key'));
  doc.setIn([...cert, 'caFile'], st('shop/certs/ca.crt'));
  doc.setIn([...cert, 'validity'], '40s');
  doc.setIn([...cert, 'renewBefore'], '30s');
  doc.setIn([...cert, 'schedule'], '*/2 * * * * *');
  doc.setIn([...cert, 'endpoint'], `127.0.0.1:${o.shopPort}`);
  doc.setIn(['sast', 'seed', 0, 'file'], join(root, 'test/e2e/fixtures/shop-semgrep.sarif'));
  doc.setIn(['alerts', 'certificateExpiresWithin'], '1h');
  doc.setIn(
    ['alerts', 'webhooks'],
    doc.createNode([
      { name: 'receiver', url: o.hook, backoff: '200ms' },
      { name: 'gone', url: `http://127.0.0.1:${o.dead}/hook`, retries: 2, backoff: '100ms', timeout: '1s' },
    ]),
  );
  return doc.toString();
}

function post(url: string, ca: Buffer, body: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 201));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}


describe('holdfast serve with the example shop', { timeout: 300_000 }, () => {
  let tmp: string;
  let serve: Serve;
  let hook: WebhookReceiver;
  let token: string;
  let ca: Buffer;
  let shopPort: number;
  const small = () => join(tmp, 'small');

  const api = <T = unknown>(
    path: string,
    o: { method?: string; body?: Buffer; type?: string; raw?: boolean } = {},
  ): Promise<T> =>
    new Promise((resolve, reject) => {
      const u = new URL(path, serve.url);
      const req = request(
        u,
        {
          method: o.method ?? 'GET',
          ca,
          headers: { authorization: `Bearer ${token}`, ...(o.type ? { 'content-type': o.type } : {}) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () =>
            res.statusCode! >= 400
              ? reject(new Error(`${path}: HTTP ${res.statusCode} ${text}`))
              : resolve((o.raw ? text : JSON.parse(text)) as T),
          );
        },
      );
      req.on('error', reject);
      req.end(o.body);
    });

  async function eventually<T>(
    what: string,
    f: () => Promise<T | undefined | false>,
    timeoutMs = 90_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await f();
        if (v) return v;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline)
        throw new Error(
          `${what}: not within ${timeoutMs} ms (${last instanceof Error ? last.message : 'condition false'})\n${serve.stderr.slice(-3000)}`,
        );
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'holdfast-e2e-'));
    hook = new WebhookReceiver();
    const hookUrl = await hook.start();
    const [port, dead] = [await freePort(), await freePort()];
    shopPort = await freePort();
    const config = join(tmp, 'holdfast.yaml');
    writeFileSync(config, e2eConfig(tmp, { port, shopPort, hook: hookUrl, dead }));
    mkdirSync(small(), { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small()]);
    mkdirSync(join(tmp, 'full-data'), { recursive: true });
    writeFileSync(join(tmp, 'full-data', 'random.bin'), randomBytes(3_000_000));
    const env = {
      ...process.env,
      SHOP_STATE: join(tmp, 'shop'),
      SHOP_PORT: String(shopPort),
      SHOP_PID_FILE: join(tmp, 'shop.pid'),
      HOLDFAST_TEST_FAST_KDF: '1',
      HOLDFAST_LOG_LEVEL: 'info',
    };
    serve = new Serve(config, env);
    await serve.start();
    token = readFileSync(join(tmp, 'holdfast', 'api-token'), 'utf8').trim();
    ca = readFileSync(join(tmp, 'holdfast', 'tls', 'ca.crt'));
  });

  after(async () => {
    await serve?.stop();
    const pidFile = join(tmp, 'shop.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        // already stopped by holdfast, as it should be
      }
    }
    try {
      execFileSync('umount', ['-l', small()]);
    } catch {
      // not mounted
    }
    await hook?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('takes scheduled backups and verifies them by restoring, on its own', async () => {
    // Orders placed in the shop (over its TLS, trusting Holdfast's CA) are what the backups must hold.
    const shopCa = readFileSync(join(tmp, 'shop', 'certs', 'ca.crt'));
    for (const item of ['anchor', 'rope', 'winch'])
      await eventually(
        `order ${item} placed in the shop`,
        () => post(`https://127.0.0.1:${shopPort}/items`, shopCa, JSON.stringify({ item })),
        30_000,
      );
    type Run = {
      kind: string;
      policy: string;
      target: string;
      status: string;
      reason?: string;
      snapshotId?: string;
      bytes?: number;
    };
    const ok = await eventually('two scheduled backups of shop-data with the orders', async () => {
      const runs = await api<Run[]>('/api/v1/runs?kind=backup&limit=500');
      const good = runs.filter(
        (r) => r.target === 'shop-data' && r.status === 'succeeded' && (r.bytes ?? 0) > 0,
      );
      return good.length >= 2 && good;
    });
    assert.match(ok[0]!.snapshotId!, /^[0-9a-f]{64}$/);
    type Vol = {
      name: string;
      verification: { state: string; lastRestoreMs?: number };
      restorePoints: {
        workloads: { commit?: string; imageDigest?: string; verdict: string }[];
        verification?: { result: string };
      }[];
    };
    const vol = await eventually('a verified restore point of shop-data', async () => {
      const v = (await api<Vol[]>('/api/v1/volumes')).find((x) => x.name === 'shop-data')!;
      return (
        v.verification.state === 'Fresh' &&
        v.restorePoints.some((p) => p.verification?.result === 'passed') &&
        v
      );
    });
    const w = vol.restorePoints[0]!.workloads[0]!;
    assert.match(w.commit!, /^[0-9a-f]{40}$/, 'provenance has the commit the shop was built from');
    assert.match(w.imageDigest!, /^sha256:[0-9a-f]{64}$/);
    assert.equal(w.verdict, 'blocked', 'the seeded Semgrep scan has a critical finding for that commit');
    assert.ok(vol.verification.lastRestoreMs! >= 0, 'the restore time (RTO) is recorded');
  });

  it('renews the shop certificate on its own and the shop serves the new one', async () => {
    type Cert = {
      name: string;
      written?: { serial: string; notAfter: string };
      servedMatchesWritten?: boolean;
      lastRenewal?: string;
    };
    const first = (await api<Cert[]>('/api/v1/certificates'))[0]!;
    const renewed = await eventually('a renewed certificate served by the shop', async () => {
      const c = (await api<Cert[]>('/api/v1/certificates'))[0]!;
      return (
        c.written &&
        first.written &&
        c.written.serial !== first.written.serial &&
        c.servedMatchesWritten === true &&
        c
      );
    });
    assert.ok(new Date(renewed.written!.notAfter) > new Date(first.written!.notAfter));
    const metrics = await api<string>('/metrics', { raw: true });
    const expiry = (source: string) =>
      Number(
        new RegExp(
          `holdfast_certificate_expiry_timestamp_seconds\\{certificate="shop-tls",source="${source}"\\} (\\d+)`,
        ).exec(metrics)?.[1],
      );
    assert.ok(expiry('written') >= new Date(renewed.written!.notAfter).getTime() / 1000 - 1);
    assert.ok(expiry('served') > 0);
    const timeline = await api<{ type: string; title: string }[]>('/api/v1/timeline?limit=2000');
    assert.ok(timeline.some((e) => e.type === 'certificate' && /renewed/.test(e.title)));
  });

  it('sends an alert to the webhook for every condition, and survives an unreachable one', async () => {
    const byReason = (reason: string) => (a: { event: string; details: Record<string, unknown> }) =>
      a.event === 'backup-failed' && a.details.reason === reason;
    const hang = await hook.waitFor(byReason('HOOK_FAILED'), 90_000);
    assert.match(hang.summary, /pre-hook freeze timed out/);
    const full = await hook.waitFor(byReason('DISK_FULL'), 90_000);
    assert.match(full.summary, /no space left on device/);
    await hook.waitFor((a) => a.event === 'verification-failed', 90_000);
    await hook.waitFor((a) => a.event === 'verification-stale' && a.key === 'stale-data', 90_000);
    const cert = await hook.waitFor((a) => a.event === 'certificate-expiring', 90_000);
    assert.equal(cert.details.certificate, 'shop-tls');
    const crit = await hook.waitFor((a) => a.event === 'critical-finding-deployed', 90_000);
    assert.equal(crit.details.workload, 'shop');
    assert.equal(crit.details.rule, 'shop-unvalidated-record-append');
    type Alert = { webhook: string; status: string; attempts: number };
    const gone = await eventually('the unreachable webhook given up on', async () =>
      (await api<Alert[]>('/api/v1/alerts')).find((a) => a.webhook === 'gone' && a.status === 'failed'),
    );
    assert.equal(gone.attempts, 3);
    assert.match(serve.stderr, /alert to webhook gone .* failed, attempt 1\/3: ECONNREFUSED/);
    assert.equal((await api<{ status: string }>('/healthz')).status, 'ok', 'still serving');
    const metrics = await api<string>('/metrics', { raw: true });
    assert.match(metrics, /holdfast_backup_last_run_failed\{policy="full",volume="full-data"\} 1/);
    assert.match(
      metrics,
      /holdfast_backup_last_success_timestamp_seconds\{policy="shop-minutely",volume="shop-data"\} \d/,
    );
    assert.match(metrics, /holdfast_verification_ok\{volume="shop-data"\} 1/);
    assert.match(metrics, /holdfast_verification_ok\{volume="check-data"\} 0/);
    assert.match(metrics, /holdfast_findings_open\{severity="critical"\} 1/);
    assert.doesNotMatch(serve.stderr, new RegExp(token), 'the API token never appears in the log');
  });

  it('shows backups, versions, verdicts, certificates, findings, the timeline and run logs in the dashboard', async () => {
    mkdirSync(screenshotDir, { recursive: true });
    const b = await launchBrowser();
    try {
      const page = await b.context.newPage();
      await page.goto(`${serve.url}/ui`);
      assert.match(page.url(), /\/ui\/login$/, 'the dashboard asks for the token first');
      await page.fill('input[name=token]', token);
      await page.click('button[type=submit]');
      await page.waitForSelector('#overview');
      assert.match(await page.locator('#overview').innerText(), /degraded/);
      assert.ok((await page.locator('#overview [data-reason="deployed-finding"]').count()) >= 1, 'the critical finding deployed is a reason');
      await page.screenshot({ path: join(screenshotDir, 'dashboard.png'), fullPage: true });
      // Each area through its link in the navigation, as a person gets there.
      const area = async (name: string, ready: string) => {
        await page.click(`header.top nav a:text-is("${name}")`);
        await page.waitForSelector(ready);
        assert.equal(await page.locator('header.top nav a[aria-current=page]').innerText(), name);
      };
      await area('Volumes', 'tr.volume[data-volume="shop-data"]');
      await page.click('tr.volume[data-volume="shop-data"] a >> nth=0');
      await page.waitForSelector('#restore-points .restore-point');
      assert.ok((await page.locator('.restore-point').count()) >= 2);
      const firstPoint = await page.locator('.restore-point').first().innerText();
      assert.match(firstPoint, /shop [0-9a-f]{12}/);
      assert.match(firstPoint, /blocked/);
      assert.match(firstPoint, /highest critical/);
      assert.ok((await page.locator('#chart-backup-size circle').count()) >= 2, 'backup sizes are plotted');
      await area('Certificates', 'tr.certificate[data-certificate="shop-tls"]');
      // The shop's 40 s leaf renews while the suite runs; right after a renewal the shop may still
      // serve the previous one until it handles its reload, which the page rightly shows as a
      // mismatch. Look again (as a person would) until the probe after the reload is in.
      const row = page.locator('tr.certificate[data-certificate="shop-tls"]');
      for (let i = 0; i < 30 && !/\byes\b/.test(await row.innerText()); i++) {
        await new Promise((r) => setTimeout(r, 1000));
        await page.reload();
        await page.waitForSelector('tr.certificate[data-certificate="shop-tls"]');
      }
      const cert = await row.innerText();
      assert.match(cert, /127\.0\.0\.1:\d+/);
      assert.match(cert, /\byes\b/, 'served matches written');
      assert.ok((await page.locator('#chart-certificates rect[data-span="shop-tls"]').count()) >= 2, 'renewals are on the time axis');
      await area('Findings', '#findings');
      assert.ok((await page.locator('#findings tr.rule').count()) >= 1);
      await page.click('.tabs a:text-is("One by one")');
      await page.waitForSelector('#findings tr.finding');
      assert.ok((await page.locator('#findings tr.finding[data-severity="critical"]').count()) >= 1);
      await area('Timeline', '#timeline');
      for (const type of ['deploy', 'scan', 'backup', 'verification', 'certificate', 'alert']) {
        assert.ok(
          (await page.locator(`#timeline tr.event[data-type="${type}"]`).count()) >= 1,
          `timeline has a ${type}`,
        );
      }
      await area('Runs', '#runs');
      assert.ok(
        (await page.locator('#runs tr.run[data-status="failed"]').count()) >= 1,
        'failed runs are visible',
      );
      const jobs = await page
        .locator('#jobs tr.job')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job')));
      assert.ok(
        jobs.includes('backup/shop-minutely/shop-data') && jobs.includes('certificate/shop-tls'),
        `every job is listed with its last run: ${jobs.join(', ')}`,
      );
      for (const cell of await page.locator('#jobs td.result').allInnerTexts()) assert.notEqual(cell.trim(), '', 'every job has a result');
      await page.locator('#runs').screenshot({ path: join(screenshotDir, 'runs.png') });
      type Run = { id: number; target: string; status: string };
      const run = (await api<Run[]>('/api/v1/runs?kind=backup&status=succeeded&limit=500')).find(
        (r) => r.target === 'shop-data',
      )!;
      await page.goto(`${serve.url}/ui/runs/${run.id}`);
      const log = await page.locator('[data-testid=run-log]').innerText();
      assert.match(log, /pre-hook consistent-copy: ok/);
      assert.match(log, /snapshot [0-9a-f]{12}/);
      await page.screenshot({ path: join(screenshotDir, 'run.png') });
    } finally {
      await b.close();
    }
  });

  it('reports the runs it missed while it was down, after a restart', async () => {
    await serve.stop();
    await new Promise((r) => setTimeout(r, 8000));
    await serve.start();
    const missed = await hook.waitFor(
      (a) =>
        a.event === 'schedule-missed' &&
        a.details.reason === 'Downtime' &&
        /backup\/shop-minutely\/shop-data/.test(a.summary),
      60_000,
    );
    assert.match(missed.summary, /missed \(Downtime\)/);
    type Run = { status: string; reason?: string; target: string };
    const runs = await api<Run[]>('/api/v1/runs?status=missed&limit=1000');
    assert.ok(runs.some((r) => r.target === 'shop-data' && r.reason === 'Downtime'));
  });

  it('writes the review with `holdfast report` beside the running server', () => {
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin/holdfast.js'), 'report', '--config', serve.config!, '--out', join(tmp, 'reviews')],
      { encoding: 'utf8', env: serve.env!, timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const [md, html] = r.stdout.trim().split('\n');
    const text = readFileSync(md!, 'utf8');
    assert.match(text, /^# Holdfast review/);
    assert.match(text, /\| shop-data \| succeeded .*\| Fresh: verified/);
    assert.match(
      text,
      /\| shop-tls \| shop\.local \| (Valid|RenewalDue) \|/,
      '40 s certificates renewed 30 s before expiry are in their window most of the time',
    );
    assert.match(
      text,
      /\| critical \| 1 \| 0 \| 1 \|/,
      'one open critical finding, within SLA, in a deployed version',
    );
    assert.match(readFileSync(html!, 'utf8'), /<h2>Certificate inventory<\/h2>/);
  });
});
