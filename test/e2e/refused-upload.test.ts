/**
 * End to end: an upload whose incident is refused is seen where people look, not only in the HTTP
 * response. `holdfast serve` runs the example shop (examples/shop/holdfast.yaml in a temporary
 * state directory, on free ports) without its seeded v1 report, so v1's backups are of a version
 * never scanned; v2 is deployed (deploy.sh) and its real Semgrep report uploaded (upload-report.mjs):
 * no restore point can be chosen, so no incident — and serve's log and the timeline API (from the
 * audit trail: a refusal has no incident row) each say so with the reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Serve, serveGet } from '../harness/serve.js';
import { exampleState, shopDir, type ExampleState } from './example-config.js';

interface Entry {
  type: string;
  status: string;
  title: string;
  detail: string;
  decision?: string;
  reason?: string;
  finding?: string;
}

describe('a refused incident is in the log and on the timeline with its reason', { timeout: 300_000 }, () => {
  let ex: ExampleState;
  let serve: Serve;
  const auth = () => ({ token: readFileSync(join(ex.dir, 'holdfast', 'api-token'), 'utf8').trim(), ca: readFileSync(join(ex.dir, 'holdfast', 'tls', 'ca.crt')) });
  const json = async <T>(path: string): Promise<T> => {
    const r = await serveGet(serve.url, path, auth());
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return JSON.parse(r.text) as T;
  };
  const sh = (script: string, ...args: string[]) => {
    const r = spawnSync(script.endsWith('.mjs') ? process.execPath : 'sh', [join(shopDir, script), ...args], { env: ex.env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `${script} ${args.join(' ')}: ${r.stdout}\n${r.stderr}\n${serve.stderr.slice(-3000)}`);
    return r.stdout;
  };

  before(async () => {
    // The point of the test: v1 was never scanned.
    ex = await exampleState((doc) => doc.deleteIn(['sast', 'seed']));
    serve = new Serve(ex.config, ex.env);
    await serve.start();
  });

  after(async () => {
    await serve?.stop();
    rmSync(ex.dir, { recursive: true, force: true });
  });

  it("v2 uploaded while v1 was never scanned: refused, and serve's log and the timeline API say why", async () => {
    for (const end = Date.now() + 120_000; !/"msg":"snapshot [0-9a-f]{12}:/.test(serve.stderr); await new Promise((r) => setTimeout(r, 200)))
      assert.ok(Date.now() < end, `no first backup of v1:\n${serve.stderr.slice(-3000)}`);
    sh('deploy.sh', 'v2');
    const out = sh('upload-report.mjs', 'v2');
    const refused = /no incident for volume shop-data: (.+)/.exec(out);
    assert.ok(refused, out);
    assert.match(refused[1]!, /no restore point can be chosen, nothing was changed: .*; options: ingest a SARIF report/);
    assert.doesNotMatch(out, /options: or /);

    // serve's stderr is read by this process's event loop, which spawnSync held: give it a moment.
    const refusalLine = () => serve.stderr.split('\n').find((l) => l.includes('"level":"warn"') && l.includes('no incident proposed for volume shop-data'));
    for (const end = Date.now() + 10_000; !refusalLine() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
    const line = refusalLine();
    assert.ok(line, `serve logs the refusal:\n${serve.stderr.slice(-3000)}`);
    assert.match(line, /critical shop-unvalidated-record-append/);

    const entries = await json<Entry[]>('/api/v1/timeline');
    const e = entries.find((x) => x.decision === 'refused');
    assert.ok(e, JSON.stringify(entries.filter((x) => x.type === 'incident')));
    assert.equal(e.status, 'failed');
    assert.equal(e.reason, refused[1]);
    assert.match(e.detail, /critical shop-unvalidated-record-append/);
    const findings = await json<{ id: string; ruleId: string }[]>('/api/v1/findings');
    assert.equal(e.finding, findings.find((f) => f.ruleId === 'shop-unvalidated-record-append')?.id);
  });
});
