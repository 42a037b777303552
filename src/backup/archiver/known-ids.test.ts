import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { KnownIds } from './known-ids.js';

it('finds exactly the ids it was built from', () => {
  const ids = Array.from({ length: 1000 }, () => randomBytes(32).toString('hex'));
  const known = new KnownIds(KnownIds.build(ids.slice(0, 500)));
  assert.ok(ids.slice(0, 500).every((id) => known.has(id)));
  assert.ok(ids.slice(500).every((id) => !known.has(id)));
  assert.equal(new KnownIds(KnownIds.build([])).has(ids[0]!), false);
});
