/**
 * The incident routes and the scheduler's skip, in process against a real control plane (real
 * catalog, real Fastify app via inject). Journal rows are written with the catalog's own store, as
 * src/playbook writes them; "another process runs it" is a real live process (a sleep we start).
 * The full story (a real upload, a real run of the playbook) is test/e2e/incident-serve.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { IncidentStore } from '../../catalog/incidents.js';
import { baseYaml, testPlane, type TestPlane } from '../testing.js';

const cert = `certificates:
  app-tls:
    commonName: app.local
    certFile: ./certs/tls.crt
    keyFile: ./certs/tls.key
    workload: app
`;

describe('incidents in the control plane', () => {
  let t: TestPlane;
  let other: ChildProcess;
  let store: IncidentStore;
  const steps = [{ step: 'assess', uses: 'assess' }];
  const params = { volume: 'data', target: { severity: 'high' }, onUnknown: 'refuse', rotateCa: false, healthPath: '/healthz', playbookSource: 'restore-secure-and-rotate' };
  const req = (method: 'GET' | 'POST', url: string) => t.app.inject({ method, url, headers: { authorization: `Bearer ${t.token}` } });

  before(async () => {
    t = await testPlane({ yaml: baseYaml(cert) });
    store = new IncidentStore(t.cp.d.catalog.db, () => t.clock.now());
    other = spawn('sleep', ['60'], { stdio: 'ignore' });
  });
  after(async () => {
    other.kill('SIGKILL');
    await t.dispose();
  });

  it('lists nothing before any incident, and answers 404 for an unknown one on every route', async () => {
    assert.deepEqual((await req('GET', '/api/v1/incidents')).json(), []);
    for (const [m, path] of [['GET', ''], ['POST', '/approve'], ['POST', '/abort'], ['GET', '/report']] as const) {
      const r = await req(m, `/api/v1/incidents/inc-20990101-000000-beef${path}`);
      assert.equal(r.statusCode, 404, `${m} ${path}`);
      assert.equal(r.json().code, 'INCIDENT_NOT_FOUND');
    }
  });

  it('refuses an id that is not an incident id, or a body it does not know, with 400 before looking anything up', async () => {
    const r = await req('GET', '/api/v1/incidents/..%2Fapi-token');
    assert.equal(r.statusCode, 400);
    assert.match(r.json().message, /id/);
    const body = await t.app.inject({ method: 'POST', url: '/api/v1/incidents/inc-x/approve', headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' }, payload: { actor: 'ops', force: true } });
    assert.equal(body.statusCode, 400);
    assert.equal(body.json().code, 'BAD_REQUEST');
    assert.match(body.json().message, /^approve incident: .*force/);
  });

  it('refuses with 409 to approve an incident while this server is aborting it', async () => {
    // A failed run whose quiesce completed: its undo starts the workload again (here it cannot: no start command).
    store.create({ id: 'inc-abort', playbook: 'restore-secure-and-rotate', volume: 'data', status: 'running', configFile: 'x', params, steps: [{ step: 'quiesce', uses: 'quiesce' }] });
    store.completeStep('inc-abort', 'quiesce', { previousVersions: [] });
    store.setStatus('inc-abort', 'failed', { message: 'step restore: disk full', runnerPid: null });
    const aborting = t.cp.incidents.abort('inc-abort', 'test');
    await assert.rejects(t.cp.incidents.approve('inc-abort', 'test'), (e: Error & { code?: string }) => e.code === 'INCIDENT_RUNNING');
    const r = await aborting;
    assert.equal(r.incident.status, 'aborted');
    assert.deepEqual(r.notUndone.map((x) => x.step), ['quiesce']);
    assert.match(r.notUndone[0]!.why, /undo failed: start workload app: it has no start command/);
  });

  it('shows a proposal whose plan is refused now with the reason instead of a plan, and refuses to approve it', async () => {
    store.create({ id: 'inc-proposed', playbook: 'restore-secure-and-rotate', volume: 'data', status: 'proposed', configFile: 'x', params, steps });
    const r = await req('GET', '/api/v1/incidents/inc-proposed');
    assert.equal(r.statusCode, 200);
    const body = r.json() as { incident: { status: string; interrupted: boolean }; steps: unknown[]; plan: { error: string; code: string } };
    assert.equal(body.incident.status, 'proposed');
    assert.equal(body.incident.interrupted, false);
    assert.equal(body.steps.length, 1);
    assert.match(body.plan.code, /^INCIDENT_/);
    assert.match(body.plan.error, /volume data/);
    // Approving it is refused the same way, and changes nothing.
    const approve = await req('POST', '/api/v1/incidents/inc-proposed/approve');
    assert.equal(approve.statusCode, 409, approve.body);
    assert.equal(approve.json().code, body.plan.code);
    assert.equal(store.get('inc-proposed')!.status, 'proposed');
    assert.equal(store.steps('inc-proposed')[0]!.status, 'pending');
    const report = await req('GET', '/api/v1/incidents/inc-proposed/report');
    assert.deepEqual([report.statusCode, report.json().code], [404, 'INCIDENT_NO_REPORT']);
  });

  it('refuses with 409 to approve a proposal while another incident runs on the same volume, or to approve or abort that one', async () => {
    store.create({ id: 'inc-running', playbook: 'restore-secure-and-rotate', volume: 'data', status: 'running', configFile: 'x', params, runnerPid: other.pid!, steps });
    const busy = await req('POST', '/api/v1/incidents/inc-proposed/approve');
    assert.deepEqual([busy.statusCode, busy.json().code], [409, 'INCIDENT_ACTIVE']);
    assert.match(busy.json().message, /incident inc-running is running on volume data; resume or abort it first/);
    const running = await req('POST', '/api/v1/incidents/inc-running/approve');
    assert.deepEqual([running.statusCode, running.json().code], [409, 'INCIDENT_RUNNING']);
    assert.match(running.json().message, new RegExp(`process ${other.pid} is running it now`));
    const abort = await req('POST', '/api/v1/incidents/inc-running/abort');
    assert.deepEqual([abort.statusCode, abort.json().code], [409, 'INCIDENT_RUNNING']);
    assert.equal(store.get('inc-proposed')!.status, 'proposed', 'a refused approval changes nothing');
  });

  it('skips scheduled backups, verifications and renewals of the volume while the incident runs, recording why and alerting nothing', async () => {
    for (const job of ['backup/hourly/data', 'verify/hourly/data', 'certificate/app-tls']) assert.equal(t.cp.scheduler.trigger(job), true, job);
    const missed = t.cp.runs.list({ status: 'missed' });
    assert.deepEqual(missed.map((r) => [r.kind, r.reason]).sort(), [['backup', 'IncidentActive'], ['certificate', 'IncidentActive'], ['verify', 'IncidentActive']]);
    assert.ok(missed.every((r) => r.message?.endsWith('skipped: incident inc-running is running')), JSON.stringify(missed));
    assert.equal(t.cp.runs.list({ status: 'failed' }).length, 0);
    await t.cp.alerter.idle();
    assert.deepEqual(t.cp.evidence.alerts({ limit: 10 }), []);
    const o = (await req('GET', '/api/v1/overview')).json() as { runs: { missedLast24h: number; skippedLast24h: number } };
    assert.deepEqual([o.runs.missedLast24h, o.runs.skippedLast24h], [0, 3], 'counted as skipped, not missed');
    const tl = (await req('GET', '/api/v1/timeline')).json() as { type: string; status: string; detail: string }[];
    const skips = tl.filter((e) => e.detail.includes('IncidentActive'));
    assert.ok(skips.length >= 2 && skips.every((e) => e.status === 'info'), JSON.stringify(skips));
  });

  it('keeps skipping while the incident is interrupted (its process gone), and says to resume or abort it', async () => {
    const gone = new Promise((r) => other.once('exit', r));
    other.kill('SIGKILL');
    await gone;
    const listed = (await req('GET', '/api/v1/incidents')).json() as { id: string; interrupted: boolean }[];
    assert.equal(listed.find((i) => i.id === 'inc-running')!.interrupted, true);
    t.cp.scheduler.trigger('backup/hourly/data');
    const last = t.cp.runs.list({ status: 'missed', kind: 'backup' })[0]!;
    assert.match(last.message!, new RegExp(`incident inc-running was interrupted \\(process ${other.pid} is gone; resume or abort it\\)`));
  });

  it('refuses with 409 to approve an incident that has finished', async () => {
    store.create({ id: 'inc-done', playbook: 'restore-secure-and-rotate', volume: 'other', status: 'proposed', configFile: 'x', params, steps });
    store.setStatus('inc-done', 'succeeded', { message: 'done' });
    const r = await req('POST', '/api/v1/incidents/inc-done/approve');
    assert.deepEqual([r.statusCode, r.json().code], [409, 'INCIDENT_FINISHED']);
  });

  it('puts each incident on the timeline as it stands, an interrupted one as failed', async () => {
    const tl = (await req('GET', '/api/v1/timeline')).json() as { type: string; status: string; title: string }[];
    const incidents = tl.filter((e) => e.type === 'incident');
    assert.deepEqual(incidents.map((e) => [e.title, e.status]).sort(), [
      ['incident inc-abort on data: aborted', 'info'],
      ['incident inc-done on other: succeeded', 'ok'],
      ['incident inc-proposed on data: proposed', 'info'],
      ['incident inc-running on data: interrupted', 'failed'],
    ]);
  });

  it('lists a proposal awaiting approval and an interrupted run among the overview problems, and not a finished one', async () => {
    const o = (await req('GET', '/api/v1/overview')).json() as { status: string; problems: string[] };
    assert.equal(o.status, 'degraded');
    const about = o.problems.filter((p) => p.startsWith('incident '));
    assert.equal(about.length, 2, JSON.stringify(about));
    assert.ok(about.some((p) => p.startsWith('incident inc-proposed on volume data awaits approval')));
    assert.ok(about.some((p) => p.startsWith('incident inc-running on volume data was interrupted: resume (approve) or abort it')));
  });

  it('counts incidents by volume and status in /metrics, an interrupted run apart', async () => {
    const text = (await req('GET', '/metrics')).body;
    assert.match(text, /holdfast_incidents\{volume="data",status="proposed"\} 1/);
    assert.match(text, /holdfast_incidents\{volume="data",status="interrupted"\} 1/);
    assert.match(text, /holdfast_incidents\{volume="other",status="succeeded"\} 1/);
  });

  it('lists the incident routes in /openapi.json under the incidents tag', async () => {
    const doc = (await req('GET', '/openapi.json')).json() as { paths: Record<string, Record<string, { tags: string[]; responses: Record<string, unknown> }>> };
    assert.deepEqual(Object.keys(doc.paths['/api/v1/incidents/{id}/approve']!), ['post']);
    assert.ok(doc.paths['/api/v1/incidents/{id}/approve']!.post!.responses['409']);
    assert.deepEqual(doc.paths['/api/v1/incidents/{id}/report']!.get!.tags, ['incidents']);
    const body = (doc.paths['/api/v1/incidents/{id}/approve']!.post as unknown as { requestBody: { required: boolean; content: Record<string, { schema: { properties: Record<string, unknown> } }> } }).requestBody;
    assert.equal(body.required, false);
    assert.ok(body.content['application/json']!.schema.properties.actor);
  });
});
