/**
 * The incident view of the dashboard, end to end, in a real Chromium against a real `holdfast
 * serve` of the example shop (test/playbook/harness.ts's Story: examples/shop/server.ts ran v1,
 * was backed up, ran v2, was backed up; real Bandit reports judge v1 clean and v2 vulnerable).
 * Incidents are made the way users make them: the trigger (onNewFindings, what an upload calls)
 * proposes one for the B602 finding; a CI upload (POST /api/v1/sarif) brings a finding whose
 * message carries markup, and serve proposes an incident for it itself. The proposal is approved
 * with the page's button and runs inside serve — held right after its live evidence backup, serve
 * killed (kill -9) and started again, the run resumed with the page's button — so the page is
 * seen running, interrupted and finished; the markup one is aborted with its button.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { Catalog } from '../../src/catalog/index.js';
import { loadConfig } from '../../src/config/index.js';
import { onNewFindings } from '../../src/playbook/index.js';
import { systemClock } from '../../src/platform/clock.js';
import { launchBrowser, screenshotDir } from '../harness/browser.js';
import { banditReports, freePort, Story, v2, digest } from '../playbook/harness.js';
import { Serve } from '../harness/serve.js';

const markup = `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`;


describe('the dashboard incident view', { timeout: 600_000 }, () => {
  const s = new Story();
  const serve = new Serve();
  let findingId = '';
  let proposal = '';
  let token = '';
  const serveEnv = () => ({ ...s.env, HOLDFAST_PLAYBOOK_HOLD: 'evidence-live:backed-up' });
  let ca: Buffer;

  const get = (path: string, o: { method?: string; body?: string; type?: string } = {}): Promise<{ status: number; text: string; ms: number }> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = request(new URL(path, serve.url), { method: o.method ?? 'GET', ca, headers: { authorization: `Bearer ${token}`, ...(o.type ? { 'content-type': o.type } : {}) } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, text, ms: performance.now() - t0 }));
      });
      req.on('error', reject);
      req.end(o.body);
    });

  /** The trigger, as the place SARIF is ingested calls it: a proposal per affected volume. */
  async function propose(id: string): Promise<string> {
    const c = Catalog.open(join(s.dataDir, 'catalog.db'));
    try {
      const [out] = await onNewFindings({ loaded: await loadConfig(s.config), catalog: c, clock: systemClock, env: s.env, log: () => undefined }, [id], { threshold: 'high' });
      const inc = out!.incidents[0]!;
      assert.equal(inc.status, 'proposed', inc.message);
      return inc.id!;
    } finally {
      c.close();
    }
  }

  before(async () => {
    findingId = await s.setUp();
    const doc = parseDocument(readFileSync(s.config, 'utf8'));
    doc.setIn(['server', 'listen'], `127.0.0.1:${await freePort()}`);
    writeFileSync(s.config, doc.toString());
    // Serve adopts the shop the harness started (its pid file); the hold stops the run it approves
    // right after the live evidence backup, once per incident, so the run resumed later passes it.
    await serve.start(s.config, serveEnv());
    token = readFileSync(join(s.dataDir, 'api-token'), 'utf8').trim();
    ca = readFileSync(join(s.dataDir, 'tls', 'ca.crt'));
  });

  after(async () => {
    await serve.stop();
    await s.dispose();
  });

  async function login() {
    const b = await launchBrowser();
    const page = await b.context.newPage();
    await page.goto(`${serve.url}/ui`);
    await page.fill('input[name=token]', token);
    await page.click('button[type=submit]');
    await page.waitForSelector('#incidents');
    return { b, page };
  }

  it('lists a proposal first, awaiting approval, and its page shows the plan: the restore point chosen and why', async () => {
    const id = (proposal = await propose(findingId));
    const plan = JSON.parse(s.ok(['incident', 'plan', '--volume', 'shop-data', '--finding', findingId, '--json'])) as { choice: { snapshotId: string; steps: string[] }; steps: { id: string }[] };
    const { b, page } = await login();
    try {
      const first = page.locator('#incidents tr.incident').first();
      assert.equal(await first.getAttribute('data-incident'), id);
      assert.match(await first.innerText(), /awaiting approval/);
      assert.match(await page.locator('#incidents h2').innerText(), /1 awaiting approval/);
      await first.locator('a').click();
      await page.waitForSelector('#plan');
      assert.equal(page.url(), `${serve.url}/ui/incidents/${id}`);
      assert.equal(await page.locator('[data-testid=restore-point]').innerText(), s.v1Snapshot, 'the v1 backup is the chosen restore point');
      assert.equal(plan.choice.snapshotId, s.v1Snapshot);
      assert.deepEqual(await page.locator('[data-testid=reasoning] li').allInnerTexts(), plan.choice.steps, 'the reasoning, line by line, as `incident plan` gives it');
      assert.ok(plan.choice.steps.length >= 2);
      assert.equal(await page.locator('[data-testid=plan-steps] li').count(), plan.steps.length);
      assert.match(await page.locator('[data-testid=plan-certificates]').innerText(), /shop-tls .*tls\.crt on 127\.0\.0\.1:\d+/);
      assert.match(await page.locator('[data-testid=target]').innerText(), /B602 .*shell=True/);
      // Nothing ran: every step is pending, nothing kept or rotated yet.
      assert.deepEqual([...new Set(await page.locator('tr.step').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status'))))], ['pending']);
      assert.equal(await page.locator('tr.evidence').count(), 0);
      await page.screenshot({ path: join(screenshotDir, 'incident-proposed.png'), fullPage: true });
    } finally {
      await b.close();
    }
  });

  it('shows markup in a finding message as text, on the list and on the incident page', async () => {
    // A CI upload for v2 whose report carries one more result, with markup in its message (as a
    // scanner that quotes source text would write): the real Bandit report, one result added.
    const sarif = JSON.parse(banditReports().vuln.toString('utf8')) as { runs: { invocations?: { startTimeUtc?: string }[]; results: { ruleId: string; message: { text: string }; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
    const run = sarif.runs[0]!;
    const b602 = run.results.find((r) => r.ruleId === 'B602')!;
    const copy = structuredClone(b602);
    copy.message.text = `shell=True with ${markup}`;
    copy.locations[0]!.physicalLocation.region.startLine += 1000;
    run.results.push(copy);
    for (const inv of run.invocations ?? []) inv.startTimeUtc = new Date().toISOString();
    const up = await get(`/api/v1/sarif?repository=github.com/acme/notes&commit=${v2}&ref=main&imageDigest=${digest(v2)}`, { method: 'POST', type: 'application/sarif+json', body: JSON.stringify(sarif) });
    assert.equal(up.status, 201, up.text);
    const hostile = s.catalog((c) => c.sast.listFindings({ states: ['open'] }).find((f) => f.message.includes('<script>')));
    assert.ok(hostile, 'the upload made a finding whose message holds markup');
    const proposed = (JSON.parse(up.text) as { incidents: { proposed: { id: string; findingId: string }[] } }).incidents.proposed;
    assert.deepEqual(proposed.map((p) => p.findingId), [hostile.id], 'serve proposed an incident for the new finding');
    const id = proposed[0]!.id;
    const { b, page } = await login();
    try {
      const row = page.locator(`#incidents tr.incident[data-incident="${id}"]`);
      assert.match(await row.locator('.finding-message').innerText(), /<img src=x onerror=.*<script>/);
      await row.locator('a').click();
      await page.waitForSelector('#plan');
      assert.equal(await page.locator('[data-testid=target] .finding-message').innerText(), `shell=True with ${markup}`);
      assert.equal(await page.locator('#content img, #content script').count(), 0, 'no element was made from the message');
      assert.equal(await page.title(), `Incident ${id} · Holdfast`, 'no script from the message ran');

      // Not wanted: aborted from the page. The tick is required (the browser refuses to post without it).
      await page.click('[data-testid=abort]');
      assert.equal(page.url(), `${serve.url}/ui/incidents/${id}`, 'nothing posted without the tick');
      await page.check('[data-testid=abort-confirm]');
      await Promise.all([page.waitForURL(`${serve.url}/ui/incidents/${id}?notice=aborted`), page.click('[data-testid=abort]')]);
      assert.equal(await page.locator('#incident').getAttribute('data-status'), 'aborted');
      assert.equal(await page.locator('[data-testid=approve]').count(), 0);
      assert.equal(s.catalog((c) => c.audit.list({ object: `incident:${id}`, action: 'incident.abort-requested' })[0]?.actor), 'dashboard');
    } finally {
      await b.close();
    }
  });

  it('approves the proposal from its page and follows the run in serve: held, serve killed -9 and started again, resumed from the page, to the end', async () => {
    const id = proposal;
    const { b, page } = await login();
    try {
      await page.goto(`${serve.url}/ui/incidents/${id}`);
      await Promise.all([page.waitForURL(`${serve.url}/ui/incidents/${id}?notice=approved`), page.click('[data-testid=approve]')]);
      assert.match(await page.locator('.notice').innerText(), /Approved: the run has started/);
      assert.equal(s.catalog((c) => c.audit.list({ object: `incident:${id}`, action: 'incident.approved' })[0]?.actor), 'dashboard');
      const marker = join(s.dataDir, 'incidents', id, 'held-evidence-live-backed-up');
      for (const t = Date.now(); !existsSync(marker); await new Promise((r) => setTimeout(r, 100)))
        if (Date.now() - t > 120_000) throw new Error(`the run did not reach its hold point:\n${serve.stderr.slice(-3000)}`);

      // Held inside evidence-live: the page, refreshing itself, marks that step as the running one, and its table is the journal.
      const running = page.locator('tr.step.running');
      await page.waitForSelector('tr.step.running[data-step="evidence-live"]', { timeout: 30_000 });
      assert.equal(await running.getAttribute('aria-current'), 'step');
      assert.match(await running.innerText(), /running now/);
      assert.equal(await page.locator('tr.step[data-step="choose"]').getAttribute('data-status'), 'completed');
      const journal = () => (JSON.parse(s.ok(['incident', 'status', id, '--json'])) as { steps: { step: string; status: string; attempts: number }[] }).steps.map((x) => ({ step: x.step, status: x.status, attempts: x.attempts }));
      const table = () => page.locator('tr.step').evaluateAll((rows) => rows.map((r) => ({ step: r.getAttribute('data-step'), status: r.getAttribute('data-status'), attempts: Number(r.children[4]!.textContent) })));
      assert.deepEqual(await table(), journal());
      assert.equal(await page.locator('[data-testid=approve], [data-testid=resume], [data-testid=abort]').count(), 0, 'nothing to press while it runs');

      // Render time of the page while serve runs the incident, over HTTPS with the token.
      const held: number[] = [];
      for (let i = 0; i < 20; i++) held.push((await get(`/ui/incidents/${id}`)).ms);

      // kill -9 of serve, then serve again: without a reload, the page refreshes itself into "interrupted" and stops refreshing.
      serve.child!.kill('SIGKILL');
      await new Promise((r) => serve.child!.once('exit', r));
      await serve.start(s.config, serveEnv());
      await page.waitForSelector('#incident h2 .badge[data-state="interrupted"]', { timeout: 60_000 });
      assert.equal(await page.locator('#auto-refresh').count(), 0);
      assert.match(await page.locator('tr.step[data-step="evidence-live"]').innerText(), /interrupted/);

      // Resumed with the page's button; the page follows it by itself to the end.
      let done = false;
      const during: number[] = [];
      let sawOtherRunningStep = false;
      const sampler = (async () => {
        while (!done) {
          const r = await get(`/ui/incidents/${id}`);
          during.push(r.ms);
          const m = /class="step running" data-step="([a-z-]+)"/.exec(r.text);
          if (m && m[1] !== 'evidence-live') sawOtherRunningStep = true;
          await new Promise((res) => setTimeout(res, 100));
        }
      })();
      await Promise.all([page.waitForURL(`${serve.url}/ui/incidents/${id}?notice=approved`), page.click('[data-testid=resume]')]);
      await page.waitForSelector('#incident[data-status="succeeded"]', { timeout: 120_000 });
      done = true;
      await sampler;
      assert.ok(sawOtherRunningStep, 'a later step was seen marked running while the resumed run went on');
      assert.deepEqual(await table(), journal());
      assert.equal((await table()).find((x) => x.step === 'evidence-live')!.attempts, 2, 'the interrupted step ran twice');
      assert.ok((await table()).every((x) => x.status === 'completed'));

      // Evidence: the two snapshots the repository holds for this incident, one of them sealed.
      const snaps = (await s.snapshots()).filter((x) => x.tags.includes(`incident:${id}`));
      assert.equal(snaps.length, 2);
      const shown = await page.locator('tr.evidence').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-snapshot'), r.getAttribute('data-sealed')]));
      assert.deepEqual(shown.map((x) => x[0]).sort(), snaps.map((x) => x.id).sort());
      const sealed = snaps.find((x) => x.tags.includes('incident-step:evidence-sealed'))!;
      assert.deepEqual(shown.find((x) => x[1] === 'true')![0], sealed.id);
      assert.match(await page.locator('#evidence').innerText(), /never forgotten/);

      // Certificates: the new serial is the one the shop's certificate file has now.
      const serial = new X509Certificate(readFileSync(join(s.certs, 'tls.crt'))).serialNumber.toLowerCase();
      const cert = page.locator('tr.rotated[data-certificate="shop-tls"]');
      assert.equal(await cert.locator('.new-serial').innerText(), serial);
      assert.notEqual(serial, new X509Certificate(s.initialKeyPem).serialNumber.toLowerCase());
      assert.match(await cert.innerText(), new RegExp(`${new X509Certificate(s.initialKeyPem).serialNumber.toLowerCase()} → ${serial}`));
      assert.ok((await page.locator('tr.check[data-ok="true"]').count()) >= 3);
      assert.equal(await page.locator('tr.check[data-ok="false"]').count(), 0);
      await page.screenshot({ path: join(screenshotDir, 'incident-succeeded.png'), fullPage: true });

      // No secret on the page: not the API token, not the repository password, no private key.
      const htmlText = (await get(`/ui/incidents/${id}`)).text;
      for (const secret of [token, 'correct horse battery staple', 'PRIVATE KEY']) assert.ok(!htmlText.includes(secret));

      // The report: HTML served by the dashboard, and the Markdown.
      await Promise.all([page.waitForURL(`${serve.url}/ui/incidents/${id}/report.html`), page.click('[data-testid=report-html]')]);
      assert.equal(await page.locator('h1').innerText(), `Incident ${id}: restore of shop-data`);
      assert.match(await page.locator('body').innerText(), new RegExp(`${findingId}[\\s\\S]*${s.v1Snapshot}[\\s\\S]*${serial}`));
      await page.goBack();
      await Promise.all([page.waitForURL(`${serve.url}/ui/incidents/${id}/report.md`), page.click('[data-testid=report-md]')]);
      const md = await page.locator('body').innerText();
      assert.match(md, new RegExp(`^# Incident ${id}: restore of shop-data`));
      assert.equal(md.trim(), readFileSync(join(s.dataDir, 'incidents', id, 'report.md'), 'utf8').trim());

      const median = (xs: number[]) => [...xs].sort((a, b2) => a - b2)[Math.floor(xs.length / 2)]!;
      const finished: number[] = [];
      for (let i = 0; i < 20; i++) finished.push((await get(`/ui/incidents/${id}`)).ms);
      const main = await get('/ui');
      console.log(
        `incident page: held run median ${median(held).toFixed(1)} ms (max ${Math.max(...held).toFixed(1)}), during resume median ${median(during).toFixed(1)} ms over ${during.length} (max ${Math.max(...during).toFixed(1)}), finished median ${median(finished).toFixed(1)} ms; ` +
          `size ${Buffer.byteLength(htmlText)} B; report.html ${Buffer.byteLength((await get(`/ui/incidents/${id}/report.html`)).text)} B; /ui ${Buffer.byteLength(main.text)} B in ${main.ms.toFixed(1)} ms`,
      );
    } finally {
      await b.close();
    }
  });

  it('answers 404 for an unknown incident and its report', async () => {
    assert.equal((await get('/ui/incidents/inc-nope')).status, 404);
    assert.equal((await get('/ui/incidents/..%2f..%2fapi-token/report.md')).status, 404);
  });
});
