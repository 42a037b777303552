import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commit, testPlane } from '../testing.js';

// 1001 findings, one more than a page: each its own rule, so each its own finding.
const report = Buffer.from(
  JSON.stringify({
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'T' } },
        results: Array.from({ length: 1001 }, (_, i) => ({
          ruleId: `R${i}`,
          level: i === 1000 ? 'error' : 'warning',
          message: { text: `m${i}` },
          locations: [{ physicalLocation: { artifactLocation: { uri: `src/f${i}.py` }, region: { startLine: 1 } } }],
        })),
      },
    ],
  }),
);

test('GET /api/v1/findings without page/perPage answers the first 1000, most severe first, and the true count in X-Total-Count', async () => {
  const t = await testPlane();
  const auth = { authorization: `Bearer ${t.token}` };
  try {
    const up = await t.app.inject({ method: 'POST', url: `/api/v1/sarif?repository=github.com/holdfast/shop&commit=${commit}&ref=main`, headers: { ...auth, 'content-type': 'application/sarif+json' }, payload: report });
    assert.equal(up.statusCode, 201, up.body);
    const first = await t.app.inject({ url: '/api/v1/findings', headers: auth });
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['x-total-count'], '1001');
    const items = first.json() as { ruleId: string; severity: string }[];
    assert.equal(items.length, 1000);
    assert.equal(items[0]!.ruleId, 'R1000', 'the error-level finding comes first');
    const rest = (await t.app.inject({ url: '/api/v1/findings?page=2', headers: auth })).json() as { ruleId: string }[];
    assert.equal(rest.length, 1);
    assert.ok(!items.some((f) => f.ruleId === rest[0]!.ruleId), 'page 2 holds the one page 1 left out');
  } finally {
    await t.dispose();
  }
});
