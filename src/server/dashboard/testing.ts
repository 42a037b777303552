/** Test helpers for the dashboard and its views. */
import assert from 'node:assert/strict';
import { commit, type TestPlane } from '../testing.js';

/** A real-shaped SARIF report with one `error` result (high, as the spec's level reads). */
export const highReport = (rule = 'B602', message = 'subprocess call with shell=True identified') =>
  JSON.stringify({
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Bandit', rules: [{ id: rule, name: 'subprocess_popen_with_shell_equals_true', helpUri: 'https://bandit.readthedocs.io/en/latest/plugins/b602.html', properties: { cwe: 'CWE-78' } }] } },
        results: [{ ruleId: rule, level: 'error', message: { text: message }, locations: [{ physicalLocation: { artifactLocation: { uri: 'app/orders.py' }, region: { startLine: 12 } } }] }],
      },
    ],
  });

/** Uploads highReport for the test plane's deployed commit, as CI would. */
export async function uploadHighReport(t: TestPlane) {
  const up = await t.app.inject({
    method: 'POST',
    url: `/api/v1/sarif?repository=github.com/holdfast/shop&commit=${commit}&ref=main`,
    headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/sarif+json' },
    payload: highReport(),
  });
  assert.equal(up.statusCode, 201, up.body);
  return up;
}
