/**
 * Why a finding has its severity, as a reviewer reads it on the finding page and a client in the
 * API: a real gosec report (its MEDIUM rules written at level error) uploaded to a control plane
 * whose config lets the scanner's own label decide (sast.severityPolicy: scanner-label).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { baseYaml, testPlane, type TestPlane } from '../testing.js';
import { loginCookie, uploadReport } from './testing.js';

const gosec = readFileSync(new URL('../../../test/fixtures/sast/conformance/gosec-go-notes.sarif.json', import.meta.url));

interface SaidJson {
  source: string;
  raw: string;
  severity: string;
  label: string;
  stricter: boolean;
}
interface DetailJson {
  f: { severity: string };
  severityDecision: { severity: string; recorded: boolean; decidedBy?: SaidJson; alsoSaid: SaidJson[]; text: string };
}

describe('a finding page and its API say which source decided the severity and what the others said', () => {
  let t: TestPlane;
  let cookie = '';
  let id = '';
  const auth = () => ({ authorization: `Bearer ${t.token}` });
  const detail = async () => (await t.app.inject({ url: `/api/v1/findings/${id}`, headers: auth() })).json() as DetailJson;
  const page = async () => (await t.app.inject({ url: `/ui/findings/${id}`, headers: { cookie } })).body;

  before(async () => {
    t = await testPlane({ yaml: baseYaml('sast: { severityPolicy: scanner-label }\n') });
    await uploadReport(t, gosec);
    id = t.cp.d.catalog.sast.listFindings().find((f) => f.ruleId === 'G401')!.id;
    cookie = await loginCookie(t);
  });
  after(() => t.dispose());

  it("answers in the API: the config's policy let gosec's tag decide, the stricter level kept beside it", async () => {
    const d = await detail();
    assert.equal(d.f.severity, 'medium');
    assert.deepEqual(d.severityDecision.decidedBy, { source: 'tag', raw: 'MEDIUM', severity: 'medium', label: "gosec's tag MEDIUM", stricter: false });
    assert.deepEqual(d.severityDecision.alsoSaid, [{ source: 'level', raw: 'error', severity: 'high', label: "the result's SARIF level error", stricter: true }]);
    assert.equal(d.severityDecision.recorded, true);
  });

  it('shows both on the finding page, the stricter one marked as passed over by the policy', async () => {
    const body = await page();
    const block = /<div data-testid="severity-sources" data-recorded="true">[\s\S]*?<\/ul>/.exec(body)?.[0] ?? '';
    assert.match(block, /<li data-source="tag" data-severity="medium" data-decided="true"><b>decided by<\/b> gosec&#39;s tag MEDIUM → /);
    assert.match(block, /<li data-source="level" data-severity="high" data-decided="false">the result&#39;s SARIF level error → .*stricter; the severity policy \(sast.severityPolicy\) let another source decide/);
  });

  it('documents the decision in the OpenAPI description of /api/v1/findings/{id}', async () => {
    const doc = (await t.app.inject('/openapi.json')).json() as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, { description: string }> } }> }> } }> };
    const schema = doc.paths['/api/v1/findings/{id}']!.get.responses['200']!.content['application/json']!.schema;
    assert.match(schema.properties.severityDecision!.description, /sast\.severityPolicy/);
  });

  it('says "not recorded" for a finding stored before Holdfast kept the sources', async () => {
    t.cp.d.catalog.db.prepare('UPDATE findings SET severity_said = NULL WHERE id = ?').run(id);
    const d = await detail();
    assert.deepEqual([d.severityDecision.recorded, d.severityDecision.decidedBy, d.severityDecision.alsoSaid], [false, undefined, []]);
    assert.match(d.severityDecision.text, /^medium — which sources said what was not recorded/);
    assert.match(await page(), /<div data-testid="severity-sources" data-recorded="false">[\s\S]*?which sources said what was not recorded/);
  });
});
