/** Test helpers for the dashboard and its views. */

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
