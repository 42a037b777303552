import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { deadPort, WebhookReceiver } from '../../test/harness/webhook.js';
import { createLogger } from '../base/log.js';
import { parseConfig } from '../config/index.js';
import { systemClock } from '../platform/clock.js';
import { writeReview } from './report/write.js';
import { startServer } from './serve.js';
import { baseYaml, commit, testPlane } from './testing.js';

const sarif = readFileSync(new URL('../../test/e2e/fixtures/shop-semgrep.sarif', import.meta.url));

describe('control plane API', () => {
  it('refuses requests without the bearer token but serves health and the OpenAPI document', async () => {
    const t = await testPlane();
    try {
      assert.equal((await t.app.inject('/api/v1/overview')).statusCode, 401);
      assert.equal(
        (await t.app.inject({ url: '/api/v1/overview', headers: { authorization: 'Bearer wrong' } }))
          .statusCode,
        401,
      );
      assert.equal((await t.app.inject('/metrics')).statusCode, 401);
      assert.equal((await t.app.inject('/healthz')).json().status, 'ok');
      assert.equal((await t.app.inject('/readyz')).statusCode, 503, 'not ready before the scheduler runs');
      const doc = (await t.app.inject('/openapi.json')).json();
      for (const p of [
        '/api/v1/volumes',
        '/api/v1/runs/{id}',
        '/api/v1/sarif',
        '/api/v1/certificates',
        '/api/v1/findings',
        '/api/v1/timeline',
        '/metrics',
        '/healthz',
      ])
        assert.ok(doc.paths[p], `openapi lists ${p}`);
      assert.ok(
        doc.paths['/api/v1/sarif'].post.parameters.some(
          (x: { name: string; required: boolean }) => x.name === 'commit' && x.required,
        ),
      );
      assert.equal(doc.paths['/ui'], undefined, 'the dashboard is not part of the API');
    } finally {
      await t.dispose();
    }
  });

  it('ingests an uploaded SARIF report and shows the version of a restore point as blocked', async () => {
    const t = await testPlane();
    const auth = { authorization: `Bearer ${t.token}` };
    try {
      const bad = await t.app.inject({
        method: 'POST',
        url: `/api/v1/sarif?repository=github.com/holdfast/shop&commit=${commit}`,
        headers: { ...auth, 'content-type': 'application/sarif+json' },
        payload: '{"version": "2.1.0", "runs": "nope"',
      });
      assert.equal(bad.statusCode, 400);
      assert.doesNotMatch(bad.body, /at .*\.ts:\d+/, 'no stack trace');
      const up = await t.app.inject({
        method: 'POST',
        url: `/api/v1/sarif?repository=github.com/holdfast/shop&commit=${commit}&ref=main`,
        headers: { ...auth, 'content-type': 'application/sarif+json' },
        payload: sarif,
      });
      assert.equal(up.statusCode, 201, up.body);
      assert.equal(up.json().results, 3);
      assert.equal(up.json().newFindings.length, 3);
      const findings = (await t.app.inject({ url: '/api/v1/findings', headers: auth })).json() as {
        severity: string;
        sla: string;
      }[];
      assert.deepEqual(
        findings.map((f) => f.severity),
        ['critical', 'medium', 'medium'],
        'most severe first',
      );
      assert.ok(findings.every((f) => f.sla === 'WithinSla'));
      await t.cp.scheduler.runNow('backup/hourly/data');
      const [vol] = (await t.app.inject({ url: '/api/v1/volumes', headers: auth })).json();
      assert.equal(vol.restorePoints[0].workloads[0].verdict, 'blocked');
      assert.equal(vol.restorePoints[0].workloads[0].highest, 'critical');
      const again = await t.app.inject({
        method: 'POST',
        url: `/api/v1/sarif?repository=github.com/holdfast/shop&commit=${commit}`,
        headers: { ...auth, 'content-type': 'application/json' },
        payload: sarif,
      });
      assert.equal(again.json().newFindings.length, 0, 'uploading the same report twice adds nothing');
    } finally {
      await t.dispose();
    }
  });

  it('runs a job on request and answers unknown names with a code and one line', async () => {
    const t = await testPlane();
    const headers = { authorization: `Bearer ${t.token}` };
    try {
      const jobs = (await t.app.inject({ url: '/api/v1/jobs', headers })).json() as {
        id: string;
        next: string;
      }[];
      assert.deepEqual(
        jobs.map((j) => [j.id, j.next]),
        [
          ['backup/hourly/data', '2026-12-01T09:00:00.000Z'],
          ['verify/hourly/data', '2026-12-01T08:30:00.000Z'],
          // The repository's prune, on by default: daily at 03:17 UTC.
          ['prune/local', '2026-12-02T03:17:00.000Z'],
        ],
      );
      const run = await t.app.inject({ method: 'POST', url: '/api/v1/jobs/backup/hourly/data/run', headers });
      assert.equal(run.statusCode, 202);
      assert.equal(run.json().queued, true);
      await t.cp.scheduler.idle();
      const [r] = (await t.app.inject({ url: '/api/v1/runs?kind=backup', headers })).json() as {
        id: number;
        status: string;
      }[];
      assert.equal(r!.status, 'succeeded');
      const one = (await t.app.inject({ url: `/api/v1/runs/${r!.id}`, headers })).json();
      assert.ok(one.logs.some((l: { message: string }) => /snapshot [0-9a-f]{12}/.test(l.message)));
      const none = await t.app.inject({ method: 'POST', url: '/api/v1/jobs/backup/nope/data/run', headers });
      assert.deepEqual(none.json(), {
        code: 'JOB_NOT_FOUND',
        message: 'job backup/nope/data: not in the config',
      });
      const vol = await t.app.inject({ url: '/api/v1/volumes/nope', headers });
      assert.equal(vol.statusCode, 404);
      assert.equal(vol.json().code, 'VOLUME_NOT_FOUND');
      const badQuery = await t.app.inject({ url: '/api/v1/runs?kind=sometimes', headers });
      assert.equal(badQuery.statusCode, 400);
    } finally {
      await t.dispose();
    }
  });

  it('exposes backup, verification, certificate and finding metrics from the catalog', async () => {
    const t = await testPlane({
      yaml: baseYaml(
        `certificates:\n  web: { commonName: web.local, dnsNames: [web.local], certFile: ./certs/tls.crt, keyFile: ./certs/tls.key }\n`,
      ),
    });
    try {
      await t.cp.scheduler.runNow('backup/hourly/data');
      t.clock.advance(60_000);
      await t.cp.scheduler.runNow('verify/hourly/data');
      await t.cp.scheduler.runNow('certificate/web');
      const m = (await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${t.token}` } }))
        .body;
      assert.match(
        m,
        /holdfast_backup_last_success_timestamp_seconds\{policy="hourly",volume="data"\} 1796112000/,
      );
      assert.match(m, /holdfast_backup_last_run_failed\{policy="hourly",volume="data"\} 0/);
      assert.match(m, /holdfast_verification_ok\{volume="data"\} 1/);
      assert.match(m, /holdfast_verification_age_seconds\{volume="data"\} 0/);
      assert.match(
        m,
        /holdfast_certificate_expiry_timestamp_seconds\{certificate="web",source="written"\} \d+/,
      );
      assert.match(m, /holdfast_findings_open\{severity="critical"\} 0/);
      assert.match(
        m,
        /holdfast_runs_recorded\{kind="backup",policy="hourly",target="data",status="succeeded"\} 1/,
      );
    } finally {
      await t.dispose();
    }
  });

  it('says the served certificate does not match (0, not nothing) when its endpoint does not answer', async () => {
    const port = await deadPort();
    const t = await testPlane({
      yaml: baseYaml(
        `certificates:\n  web: { commonName: web.local, ipAddresses: [127.0.0.1], certFile: ./certs/tls.crt, keyFile: ./certs/tls.key, endpoint: "127.0.0.1:${port}" }\n`,
      ),
    });
    try {
      await t.cp.scheduler.runNow('certificate/web');
      const auth = { authorization: `Bearer ${t.token}` };
      const m = (await t.app.inject({ url: '/metrics', headers: auth })).body;
      assert.match(m, /holdfast_certificate_served_matches\{certificate="web"\} 0/);
      const [c] = (await t.app.inject({ url: '/api/v1/certificates', headers: auth })).json();
      assert.equal(c.state, 'NotServed');
      assert.match(c.message, new RegExp(`endpoint 127.0.0.1:${port} serves nothing \\(ECONNREFUSED\\)`));
      const o = (await t.app.inject({ url: '/api/v1/overview', headers: auth })).json();
      assert.ok(o.problems.some((p: string) => /^certificate web: NotServed/.test(p)), o.problems.join('\n'));
    } finally {
      await t.dispose();
    }
  });

  it('renders the dashboard only after logging in with the token, and never puts the token in the cookie', async () => {
    const t = await testPlane();
    try {
      await t.cp.scheduler.runNow('backup/hourly/data');
      const anon = await t.app.inject('/ui');
      assert.equal(anon.statusCode, 303);
      assert.equal(anon.headers.location, '/ui/login');
      const wrong = await t.app.inject({
        method: 'POST',
        url: '/ui/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'token=nope',
      });
      assert.equal(wrong.statusCode, 401);
      const ok = await t.app.inject({
        method: 'POST',
        url: '/ui/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `token=${t.token}`,
      });
      const cookie = String(ok.headers['set-cookie']).split(';')[0]!;
      assert.doesNotMatch(cookie, new RegExp(t.token));
      const page = await t.app.inject({ url: '/ui', headers: { cookie } });
      assert.equal(page.statusCode, 200);
      const volume = await t.app.inject({ url: '/ui/volumes/data', headers: { cookie } });
      assert.match(volume.body, /class="restore-point"/);
      assert.match(volume.body, /0eeab4ac3343/);
      assert.match(page.body, /<tr class="workload" data-workload="app">\s*<td>app<\/td>\s*<td><span class="badge \w+" data-state="stopped">/, 'each workload with its supervision state');
      const run = t.cp.runs.list({ kind: 'backup' })[0]!;
      const detail = await t.app.inject({ url: `/ui/runs/${run.id}`, headers: { cookie } });
      assert.match(detail.body, /pre-hook quiesce: ok/);
    } finally {
      await t.dispose();
    }
  });

  it('writes the review in Markdown and HTML with evidence, certificates, findings and changes', async () => {
    const t = await testPlane();
    try {
      await t.cp.scheduler.runNow('backup/hourly/data');
      await t.cp.scheduler.runNow('verify/hourly/data');
      const files = await writeReview(t.cp);
      const md = readFileSync(files.markdown, 'utf8');
      for (const h of [
        '## Backup health and verification evidence',
        '## Certificate inventory',
        '## Open findings by severity',
        '## Changes (first review)',
      ])
        assert.ok(md.includes(h), h);
      assert.match(md, /\| data \| succeeded .*\| Fresh: verified/);
      assert.match(readFileSync(files.html, 'utf8'), /<h2>Open findings by severity<\/h2>/);
      t.clock.advance(3_600_000);
      const second = readFileSync((await writeReview(t.cp)).markdown, 'utf8');
      assert.match(second, /## Changes since the last review \(2026-12-01T08:00:00.000Z\)/);
      // review-latest.* is the newest review, and no half-written file is left beside it.
      const dir = dirname(files.markdown);
      assert.equal(readFileSync(join(dir, 'review-latest.md'), 'utf8'), second);
      assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
    } finally {
      await t.dispose();
    }
  });
});

describe('bad conditions', () => {
  it('keeps serving when the repository disk is full, and shows the failure in metrics and alerts', async () => {
    const hook = new WebhookReceiver();
    const url = await hook.start();
    const t = await testPlane({
      yaml: baseYaml(`alerts:\n  webhooks: [{ name: ops, url: "${url}" }]\n`).replace(
        'location: ./repo',
        'location: ./small/repo',
      ),
    });
    const small = join(t.dir, 'small');
    mkdirSync(small);
    // A real full disk: a 1 MiB tmpfs under the repository, and a volume of incompressible data.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
    try {
      writeFileSync(join(t.dir, 'data', 'sub', 'random.bin'), randomBytes(3_000_000));
      const run = await t.cp.scheduler.runNow('backup/hourly/data');
      assert.equal(run!.status, 'failed');
      assert.equal(run!.reason, 'DISK_FULL');
      assert.match(run!.message!, /no space left on device/);
      assert.equal((await t.app.inject('/healthz')).statusCode, 200);
      const m = (await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${t.token}` } }))
        .body;
      assert.match(m, /holdfast_backup_last_run_failed\{policy="hourly",volume="data"\} 1/);
      const a = await hook.waitFor((x) => x.event === 'backup-failed');
      assert.equal(a.details.reason, 'DISK_FULL');
      const o = (
        await t.app.inject({ url: '/api/v1/overview', headers: { authorization: `Bearer ${t.token}` } })
      ).json();
      assert.equal(o.status, 'degraded');
      assert.match(o.problems.join('\n'), /last backup failed: .*no space left on device/);
    } finally {
      await t.dispose().catch(() => undefined);
      execFileSync('umount', ['-l', small]);
      await hook.close();
    }
  });

  it('retries an unreachable webhook, records it failed, and lets other webhooks still get the alert', async () => {
    const good = new WebhookReceiver();
    const url = await good.start();
    good.failNext(2);
    const dead = await deadPort();
    const t = await testPlane({
      yaml: baseYaml(
        `alerts:\n  webhooks:\n    - { name: gone, url: "http://127.0.0.1:${dead}/x", retries: 2, timeout: 1s }\n    - { name: ops, url: "${url}", retries: 3 }\n`,
      ).replace('./data }', './nowhere }'),
    });
    try {
      const run = await t.cp.scheduler.runNow('backup/hourly/data');
      assert.equal(run!.status, 'failed');
      await t.cp.alerter.idle();
      const rows = t.cp.evidence.alerts({ event: 'backup-failed' });
      const gone = rows.find((r) => r.webhook === 'gone')!;
      const ops = rows.find((r) => r.webhook === 'ops')!;
      assert.equal(gone.status, 'failed');
      assert.equal(gone.attempts, 3);
      assert.equal(gone.lastError, 'ECONNREFUSED');
      assert.equal(ops.status, 'delivered');
      assert.equal(ops.attempts, 3, 'two 503s, then accepted');
      assert.equal(good.received.length, 1);
    } finally {
      await t.dispose();
      await good.close();
    }
  });

  it('refuses a port in use and plain HTTP off loopback with one clear line', async () => {
    const t = await testPlane();
    const yaml = baseYaml().replace('server: { dataDir: ./state }', 'server: { dataDir: ./state2 }');
    const loaded = parseConfig(yaml, join(t.dir, 'holdfast.yaml'));
    const log = createLogger({ write: () => undefined });
    const env = { ...process.env, HF_TEST_PASSWORD: 'x' };
    const a = await startServer({
      loaded,
      clock: systemClock,
      log,
      listen: '127.0.0.1:0',
      insecureHttp: true,
      env,
      tickMs: 60_000,
    });
    try {
      const port = new URL(a.url).port;
      await assert.rejects(
        startServer({
          loaded: parseConfig(yaml.replace('./state2', './state3'), join(t.dir, 'holdfast.yaml')),
          clock: systemClock,
          log,
          listen: `127.0.0.1:${port}`,
          insecureHttp: true,
          env,
        }),
        {
          code: 'PORT_IN_USE',
          message: `listen on 127.0.0.1:${port}: address already in use (is another holdfast serve running? pick another with --listen)`,
        },
      );
      await assert.rejects(
        startServer({ loaded, clock: systemClock, log, listen: '0.0.0.0:0', insecureHttp: true, env }),
        { code: 'INSECURE_NOT_LOOPBACK' },
      );
      const health = await fetch(`${a.url}/healthz`);
      assert.equal(health.status, 200, 'the first server still serves');
    } finally {
      await a.close();
      await t.dispose();
    }
  });
});
