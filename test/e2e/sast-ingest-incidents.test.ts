/**
 * `holdfast sast ingest --config`: the CLI ingest proposes incidents as holdfast serve's SARIF upload
 * does (the same src/playbook proposeForReport), on the example shop of test/playbook/harness.ts —
 * v1 clean and backed up, v2 vulnerable, deployed and backed up — with real Bandit reports of v2's
 * code grown by new vulnerable files, so the findings are new. Without --config it only ingests.
 * A real `holdfast serve` of the same config runs beside it: its health sweep alerts the CLI's
 * proposal to a real webhook receiver, and its API lists it.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { Serve } from '../harness/serve.js';
import { WebhookReceiver } from '../harness/webhook.js';
import { Checkout, bandit } from '../sast/scanners.js';
import { freePort, Story, v2 } from '../playbook/harness.js';

/** Bandit on v2's code plus extra files; each extra file is a new place, so its findings are new. */
function reportWith(files: Record<string, string>): Buffer {
  const co = new Checkout('py-notes');
  try {
    for (const [name, text] of Object.entries(files)) co.write(name, text);
    return bandit(co);
  } finally {
    co.dispose();
  }
}

const shell = 'import subprocess\n\n\ndef run(cmd):\n    return subprocess.Popen(cmd, shell=True)\n';
const md5 = 'import hashlib\n\n\ndef digest(b):\n    return hashlib.md5(b).hexdigest()\n';

describe('holdfast sast ingest --config proposes incidents like the upload', { timeout: 300_000 }, () => {
  const s = new Story();
  const serve = new Serve();
  const hook = new WebhookReceiver();
  let proposalId = '';
  const ingest = (file: string, extra: string[]) => ['sast', 'ingest', file, '--repository', 'github.com/acme/notes', '--commit', v2, '--ref', 'main', ...extra];
  const incidents = () => s.catalog((c) => c.db.prepare('SELECT id, volume, status, message FROM incidents ORDER BY created_at').all() as { id: string; volume: string; status: string; message: string }[]);

  before(async () => {
    await s.setUp();
    // The catalog comes from the config (its server.dataDir, as serve's), not from the environment.
    delete s.env.HOLDFAST_CATALOG;
    const doc = parseDocument(readFileSync(s.config, 'utf8'));
    doc.setIn(['server', 'listen'], `127.0.0.1:${await freePort()}`);
    doc.setIn(['alerts'], doc.createNode({ webhooks: [{ name: 'ops', url: await hook.start(), backoff: '200ms' }] }));
    writeFileSync(s.config, doc.toString());
    await serve.start(s.config, s.env);
  });
  after(async () => {
    await serve.stop();
    await s.dispose();
    await hook.close();
  });

  it('says in --help that without --config it only ingests', () => {
    const help = s.ok(['sast', 'ingest', '--help']);
    assert.match(help, /--config <file>/);
    assert.match(help, /Without --config the report is only ingested: no incident is proposed/);
  });

  it('only ingests without --config: a new high finding in the deployed version proposes nothing', () => {
    writeFileSync(join(s.dir, 'a.sarif'), reportWith({ 'runner.py': shell }));
    const out = JSON.parse(s.ok(ingest('a.sarif', ['--catalog', join(s.dataDir, 'catalog.db'), '--json']))) as { scans: { new: number }[]; incidents?: unknown };
    assert.ok(out.scans[0]!.new >= 1, JSON.stringify(out.scans));
    assert.equal(out.incidents, undefined);
    assert.deepEqual(incidents(), []);
  });

  it('with --config proposes one incident for the volume for the most severe new finding, covers the second with it (one scan, one plan: nothing to withdraw), and lists both in --json', () => {
    // runner.py was seen by the previous ingest (not new); hasher.py and deploy.py bring two new high findings.
    writeFileSync(join(s.dir, 'b.sarif'), reportWith({ 'runner.py': shell, 'hasher.py': md5, 'deploy.py': shell }));
    const res = s.cli(ingest('b.sarif', ['--config', s.config, '--json']));
    assert.equal(res.code, 0, res.err);
    const out = JSON.parse(res.out) as {
      incidents: {
        threshold: string;
        proposed: { id: string; volume: string; findingId: string; alsoFindings: string[] }[];
        withdrawn: { id: string; findingId: string; message: string }[];
        refused: unknown[];
        decisions: { findingId: string; reason: string }[];
      };
    };
    const inc = out.incidents;
    assert.equal(inc.threshold, 'high');
    assert.deepEqual(inc.refused, []);
    assert.equal(inc.proposed.length, 1, JSON.stringify(inc));
    const [p] = inc.proposed;
    assert.equal(p!.volume, 'shop-data');
    proposalId = p!.id;
    const newHigh = inc.decisions.filter((d) => d.reason === 'proposed').map((d) => d.findingId);
    assert.equal(newHigh.length, 2, `two new high findings: ${JSON.stringify(inc.decisions)}`);
    assert.deepEqual([p!.findingId, ...p!.alsoFindings].sort(), [...newHigh].sort());
    assert.deepEqual(inc.withdrawn, []);
    const rows = incidents();
    assert.deepEqual(rows.map((r) => [r.id, r.status]), [[p!.id, 'proposed']]);
    assert.match(rows.find((r) => r.id === p!.id)!.message, /^proposed: finding .* is deployed on shop: incident proposed for shop-data, awaiting approval; restore point [0-9a-f]{64}$/);
    s.catalog((c) => assert.deepEqual(c.audit.list({ object: `incident:${p!.id}`, action: 'incident.proposed' }).map((a) => a.actor), ['trigger']));
    // `incident list` (the journal serve reads) shows it awaiting approval.
    assert.match(s.ok(['incident', 'list', '--config', s.config]), new RegExp(`${p!.id}.*proposed`));
  });

  it('is alerted by the serve running beside it (the CLI sends none), once, and listed by its API', async () => {
    const a = await hook.waitFor((x) => x.event === 'incident-proposed' && x.key === proposalId, 90_000);
    assert.match(a.summary, new RegExp(`^incident ${proposalId} proposed for volume shop-data outside this server`));
    assert.equal(a.details.volume, 'shop-data');
    assert.equal(hook.received.filter((x) => x.event === 'incident-proposed').length, 1, 'one alert: the covered finding is named in it, not alerted apart');
    const token = readFileSync(join(s.dataDir, 'api-token'), 'utf8').trim();
    const ca = readFileSync(join(s.dataDir, 'tls', 'ca.crt'));
    const listed = await new Promise<{ id: string; status: string }[]>((resolve, reject) => {
      request(new URL('/api/v1/incidents', serve.url), { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
        let t = '';
        res.setEncoding('utf8').on('data', (c: string) => (t += c)).on('end', () => resolve(JSON.parse(t)));
      }).on('error', reject).end();
    });
    assert.equal(listed.find((i) => i.id === proposalId)?.status, 'proposed');
  });

  it('prints the proposal and how to approve it, and says when a report brings no new finding', () => {
    writeFileSync(join(s.dir, 'c.sarif'), reportWith({ 'runner.py': shell, 'hasher.py': md5, 'deploy.py': shell, 'tool.py': shell.replace('run(cmd)', 'tool(cmd)') }));
    const out = s.ok(ingest('c.sarif', ['--config', s.config]));
    assert.match(out, /^incident (inc-\S+) proposed for volume shop-data: finding [0-9a-f]+ \(high\) is deployed on shop/m);
    const id = /^incident (inc-\S+) proposed/m.exec(out)![1]!;
    assert.match(out, new RegExp(`approve: holdfast incident approve ${id} --config ${s.config.replace(/[.]/g, '\\.')}`));
    // tool.py's `import subprocess` (Bandit B404, low) is new too: counted, not proposed.
    assert.match(out, /^1 new finding\(s\) below sast\.blockAt \(high\): no incident$/m);
    const again = s.ok(ingest('c.sarif', ['--config', s.config]));
    assert.match(again, /already ingested, nothing changed/);
    assert.match(again, /^incidents: no new finding, nothing to propose$/m);
  });

  it('refuses a bad config before ingesting anything', () => {
    writeFileSync(join(s.dir, 'bad.yaml'), 'version: 1\nrepositories: { local: { location: ./repo } }\n');
    writeFileSync(join(s.dir, 'd.sarif'), reportWith({ 'other.py': shell.replace('run(cmd)', 'other(cmd)') }));
    const before = s.catalog((c) => c.sast.listFindings({}).length);
    const r = s.cli(ingest('d.sarif', ['--config', join(s.dir, 'bad.yaml')]));
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /bad\.yaml:\d+:\d+: repositories\.local\.password/);
    assert.equal(s.catalog((c) => c.sast.listFindings({}).length), before);
  });
});
