import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempCatalog, commitA, commitB, digestOf } from './testing.js';
import { isHoldfastError } from '../base/errors.js';

test('a version is found by its full commit, a short prefix, or an image digest', () => {
  const t = tempCatalog();
  try {
    const v = t.catalog.versions.upsert({ repository: 'github.com/acme/shop', commit: commitA, imageDigests: [digestOf('1')] });
    assert.equal(t.catalog.versions.findByCommit(commitA.slice(0, 7))?.id, v.id);
    assert.equal(t.catalog.versions.findByDigest(digestOf('1'))?.commit, commitA);
    assert.equal(t.catalog.versions.findByCommit(commitB), undefined);
  } finally {
    t.dispose();
  }
});

test('a short commit recorded first is completed when the full commit arrives', () => {
  const t = tempCatalog();
  try {
    const short = t.catalog.versions.upsert({ commit: commitA.slice(0, 8) });
    const full = t.catalog.versions.upsert({ repository: 'github.com/acme/shop', commit: commitA });
    assert.equal(full.id, short.id);
    assert.equal(full.commit, commitA);
    assert.equal(full.repository, 'github.com/acme/shop');
  } finally {
    t.dispose();
  }
});

test('an image digest already built from another commit is a conflict', () => {
  const t = tempCatalog();
  try {
    t.catalog.versions.upsert({ commit: commitA, imageDigests: [digestOf('1')] });
    assert.throws(() => t.catalog.versions.upsert({ commit: commitB, imageDigests: [digestOf('1')] }), (e: unknown) => isHoldfastError(e, 'DIGEST_OTHER_COMMIT'));
  } finally {
    t.dispose();
  }
});

test('something that is not a commit is refused in one line', () => {
  const t = tempCatalog();
  try {
    assert.throws(() => t.catalog.versions.upsert({ commit: 'main' }), (e: unknown) => isHoldfastError(e, 'BAD_COMMIT') && !e.message.includes('\n'));
  } finally {
    t.dispose();
  }
});
