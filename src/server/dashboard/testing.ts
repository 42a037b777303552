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

/** Uploads a SARIF report of the shop's `version` (the deployed commit unless given), as CI would. */
export async function uploadReport(t: TestPlane, report: string | Buffer, version = commit) {
  const up = await t.app.inject({
    method: 'POST',
    url: `/api/v1/sarif?repository=github.com/holdfast/shop&commit=${version}&ref=main`,
    headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/sarif+json' },
    payload: report,
  });
  assert.equal(up.statusCode, 201, up.body);
  return up;
}

/** Uploads highReport for the test plane's deployed commit. */
export const uploadHighReport = (t: TestPlane) => uploadReport(t, highReport());

/** A dashboard session cookie, logged in with the plane's token as a reviewer would. */
export async function loginCookie(t: TestPlane): Promise<string> {
  const login = await t.app.inject({ method: 'POST', url: '/ui/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${t.token}` });
  return String(login.headers['set-cookie']).split(';')[0]!;
}
