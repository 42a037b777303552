import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commit, testPlane } from '../testing.js';

const log = (result: string) => Buffer.from(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[${result}]}]}`);

const twice = log('{"ruleId":"R","level":"error","message":{"text":"m"},"level":"note"}');
const latin1 = Buffer.concat([log('{"ruleId":"R","message":{"text":"caf'), Buffer.from([0xe9]), Buffer.from('"}}')]);
const cases: [string, Buffer, string, RegExp][] = [
  ['a report with a key given twice', twice, 'REPORT_DUPLICATE_KEY', new RegExp(`^ingest report upload\\.sarif: duplicate key "level" at byte ${twice.lastIndexOf('"level"')} `)],
  ['a report that is not UTF-8', latin1, 'REPORT_NOT_UTF8', new RegExp(`^ingest report upload\\.sarif: not UTF-8: invalid byte 0xe9 at byte ${latin1.indexOf(0xe9)}$`)],
];
for (const [what, body, code, message] of cases) {
  test(`POST /api/v1/sarif: ${what} is answered 400 with its code and byte offset, and nothing is written`, async () => {
    const t = await testPlane();
    const auth = { authorization: `Bearer ${t.token}` };
    try {
      const r = await t.app.inject({ method: 'POST', url: `/api/v1/sarif?repository=github.com/holdfast/shop&commit=${commit}&ref=main`, headers: { ...auth, 'content-type': 'application/sarif+json' }, payload: body });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().code, code);
      assert.match(r.json().message, message);
      assert.deepEqual((await t.app.inject({ url: '/api/v1/findings', headers: auth })).json(), []);
      assert.equal(t.cp.d.catalog.versions.findByCommit(commit), undefined);
    } finally {
      await t.dispose();
    }
  });
}
