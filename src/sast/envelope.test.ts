import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvelope, sameRepository } from './envelope.js';
import { categoryOf } from './normalise.js';
import { isHoldfastError } from '../base/errors.js';

const same: [string, string, boolean][] = [
  ['https://github.com/Acme/Shop.git', 'github.com/acme/shop', true],
  ['git@github.com:acme/shop.git', 'github.com/acme/shop', true],
  ['ssh://git@github.com/acme/shop', 'https://github.com/acme/shop/', true],
  ['https://github.com/acme/shop', 'github.com/acme/shop-api', false],
  ['https://gitlab.com/acme/shop', 'github.com/acme/shop', false],
];
for (const [a, b, want] of same) {
  test(`${a} and ${b} are ${want ? '' : 'not '}the same repository`, () => assert.equal(sameRepository(a, b), want));
}

test('automationDetails ids give their category: the part before the last slash, or the whole id', () => {
  assert.equal(categoryOf('backend/nightly-17'), 'backend');
  assert.equal(categoryOf('lang/python/run-3'), 'lang/python');
  assert.equal(categoryOf('backend'), 'backend');
  assert.equal(categoryOf('/run-3'), undefined);
  assert.equal(categoryOf(undefined), undefined);
});

test('an envelope with an empty repository, a bad digest or a bad scan time is refused naming the field', () => {
  const ok = { repository: 'r', ref: 'main', commit: 'abcdef0' };
  assert.throws(() => parseEnvelope({ ...ok, repository: '' }, 'r.sarif'), (e: unknown) => isHoldfastError(e, 'BAD_ENVELOPE') && /repository must not be empty/.test(e.message));
  assert.throws(() => parseEnvelope({ ...ok, imageDigests: ['sha256:abc'] }, 'r.sarif'), (e: unknown) => isHoldfastError(e, 'BAD_DIGEST'));
  assert.throws(() => parseEnvelope({ ...ok, scanTime: 'yesterday' }, 'r.sarif'), (e: unknown) => isHoldfastError(e, 'BAD_ENVELOPE') && /scan time/.test(e.message));
  assert.equal(parseEnvelope({ ...ok, commit: 'ABCDEF0' }, 'r').commit, 'abcdef0');
});
