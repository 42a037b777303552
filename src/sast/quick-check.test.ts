import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { quickResultCheck } from './quick-check.js';
import { resultSchema } from './sarif-schema.js';
import { quirksDir } from './testing.js';

const results: unknown[] = readdirSync(quirksDir).flatMap((f) =>
  (JSON.parse(readFileSync(quirksDir + f, 'utf8')) as { runs: { results?: unknown[] }[] }).runs.flatMap((r) => r.results ?? []),
);

/** Every way we know to break one field, applied at every path of a result. */
function* mutations(v: unknown, path: (string | number)[] = []): Generator<{ path: string; value: unknown }> {
  const odd = [null, 42, 1.5, 'text', true, [], {}, ['x'], [1]];
  if (path.length > 0) for (const o of odd) yield { path: path.join('.'), value: o };
  if (typeof v === 'object' && v !== null) for (const [k, c] of Object.entries(v)) yield* mutations(c, [...path, Array.isArray(v) ? Number(k) : k]);
}
function setAt(root: unknown, path: string, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string, unknown>;
  const keys = path.split('.');
  let cur: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  cur[keys[keys.length - 1]!] = value;
  return copy;
}

test('the fast path accepts only results the schema accepts, and they parse to the same value', () => {
  let accepted = 0;
  let checked = 0;
  for (const r of results) {
    const variants = [r, ...[...mutations(r)].map((m) => setAt(r, m.path, m.value))];
    for (const v of variants) {
      checked++;
      if (!quickResultCheck(v)) continue;
      accepted++;
      const z = resultSchema.safeParse(v);
      assert.ok(z.success, `fast path accepted what the schema rejects: ${JSON.stringify(v)}`);
      assert.deepEqual(z.data, v);
    }
  }
  assert.ok(accepted > results.length && checked > accepted, `${accepted} of ${checked}`);
});

test('the fast path sends anything odd to the tolerant parser', () => {
  assert.equal(quickResultCheck({ ruleId: 42 }), false);
  assert.equal(quickResultCheck({ level: 'shouting' }), false);
  assert.equal(quickResultCheck({ locations: [{ physicalLocation: { region: { startLine: 1.5 } } }] }), false);
  assert.equal(quickResultCheck(null), false);
  assert.equal(quickResultCheck({ ruleId: 'R', message: { text: 'm' } }), true);
});
