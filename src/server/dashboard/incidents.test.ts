/**
 * The incident page in-process (the real control plane and catalog of src/server/testing.ts):
 * markup that a step wrote into its error or outputs is shown as text, and the report files are
 * served only from the incident's own directory. The browser story is test/e2e/dashboard-incidents.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IncidentStore } from '../../catalog/incidents.js';
import { testPlane, type TestPlane } from '../testing.js';

let t: TestPlane;
const evil = `<script>alert(1)</script><img src=x onerror=alert(2)>`;
before(async () => {
  t = await testPlane();
  const store = new IncidentStore(t.cp.d.catalog.db, () => t.clock.now());
  store.create({ id: 'inc-1', playbook: 'restore-secure-and-rotate', volume: 'data', status: 'running', configFile: 'holdfast.yaml', params: { target: { severity: 'high' } }, steps: [{ step: 'evidence-live', uses: 'preserve-evidence' }, { step: 'rotate-tls', uses: 'rotate-tls' }] });
  store.startStep('inc-1', 'evidence-live');
  store.completeStep('inc-1', 'evidence-live', { snapshotId: `snap${evil}`, sealed: false, tags: [evil] });
  store.startStep('inc-1', 'rotate-tls');
  store.failStep('inc-1', 'rotate-tls', `reload failed: ${evil}`);
  store.setStatus('inc-1', 'failed', { message: `step rotate-tls: ${evil}` });
  store.create({ id: 'inc-2', playbook: 'restore-secure-and-rotate', volume: 'data', status: 'proposed', configFile: 'holdfast.yaml', params: { volume: 'data', target: { severity: 'high' }, onUnknown: 'refuse', rotateCa: false, healthPath: '/healthz' }, steps: [{ step: 'assess', uses: 'assess' }] });
  mkdirSync(join(t.cp.dataDir, 'incidents', 'inc-1'), { recursive: true });
  writeFileSync(join(t.cp.dataDir, 'incidents', 'inc-1', 'report.md'), '# Incident inc-1\n');
  writeFileSync(join(t.cp.dataDir, 'api-token'), 'not-a-report\n');
});
after(() => t.dispose());

const get = (url: string) => t.app.inject({ url, headers: { authorization: `Bearer ${t.token}` } });

test('markup in step errors, outputs and the incident message is shown as text, never as elements', async () => {
  const r = await get('/ui/incidents/inc-1');
  assert.equal(r.statusCode, 200);
  assert.ok(!r.body.includes('<script>alert'), 'no script element from the journal');
  assert.ok(!r.body.includes('<img src=x'), 'no img element from the journal');
  assert.match(r.body, /reload failed: &lt;script&gt;alert\(1\)&lt;\/script&gt;&lt;img src=x onerror=alert\(2\)&gt;/);
  assert.match(r.body, /<code>snap&lt;script&gt;/);
  assert.match(r.headers['content-security-policy'] as string, /default-src 'self'/);
  // A failed run offers Resume and Abort, no Approve.
  assert.match(r.body, /data-testid="resume"/);
  assert.match(r.body, /data-testid="abort"/);
  assert.ok(!r.body.includes('data-testid="approve"'));
});

test('the main page lists the incident, escaped the same way', async () => {
  const r = await get('/ui');
  assert.match(r.body, /<tr class="incident" data-incident="inc-1" data-status="failed">/);
  assert.ok(!r.body.includes('<script>alert'));
});

test('serves the report the incident has, and nothing outside its directory', async () => {
  const md = await get('/ui/incidents/inc-1/report.md');
  assert.equal(md.statusCode, 200);
  assert.equal(md.body, '# Incident inc-1\n');
  assert.equal((await get('/ui/incidents/inc-1/report.html')).statusCode, 404, 'not written yet');
  for (const id of ['..', '..%2F..', '.%2E', 'inc-2']) assert.equal((await get(`/ui/incidents/${id}/report.md`)).statusCode, 404, id);
});

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload: body, headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/x-www-form-urlencoded', ...headers } });
const status = (id: string) => t.cp.incidents.get(id)!.incident.status;

test('a form posted from another site is refused and changes nothing', async () => {
  const cases: Record<string, string>[] = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site', origin: 'null' }];
  for (const h of cases) {
    const r = await post('/ui/incidents/inc-2/abort', 'confirm=yes', h);
    assert.equal(r.statusCode, 403, JSON.stringify(h));
    assert.equal(status('inc-2'), 'proposed');
  }
});

test('abort asks for the tick first, then aborts the proposal as the dashboard and redirects to its page', async () => {
  const unticked = await post('/ui/incidents/inc-2/abort', '', { 'sec-fetch-site': 'same-origin' });
  assert.equal(unticked.statusCode, 400);
  assert.match(unticked.body, /tick the box to confirm; nothing was changed/);
  assert.equal(status('inc-2'), 'proposed');
  const page = await get('/ui/incidents/inc-2');
  assert.match(page.body, /action="\/ui\/incidents\/inc-2\/approve"/, 'a proposal offers Approve');
  const r = await post('/ui/incidents/inc-2/abort', 'confirm=yes', { 'sec-fetch-site': 'same-origin', origin: 'http://localhost:80' });
  assert.equal(r.statusCode, 303, r.body);
  assert.equal(r.headers.location, '/ui/incidents/inc-2?notice=aborted');
  assert.equal(status('inc-2'), 'aborted');
  assert.equal(t.cp.d.catalog.audit.list({ object: 'incident:inc-2', action: 'incident.abort-requested' })[0]!.actor, 'dashboard');
  const after = await get(r.headers.location as string);
  assert.match(after.body, /Aborted: what could be undone was undone/);
  assert.ok(!after.body.includes('data-testid="approve"'), 'nothing more to do');
});

test('approving a finished incident is refused with its reason, on the page', async () => {
  const r = await post('/ui/incidents/inc-2/approve', '', { 'sec-fetch-site': 'same-origin' });
  assert.equal(r.statusCode, 409);
  assert.match(r.body, /role="alert">approve incident inc-2: it has already been aborted/);
});

test('a browser without the session is sent to the login page', async () => {
  const r = await t.app.inject({ url: '/ui/incidents/inc-1' });
  assert.equal(r.statusCode, 303);
  assert.equal(r.headers.location, '/ui/login');
});
