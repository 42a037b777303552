import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MasterIndex } from './master-index.js';

const blob = (id: string, offset = 0) => ({ type: 'data' as const, id, offset, length: 10, rawLength: 5 });

describe('MasterIndex copies', () => {
  const index = () => {
    const ix = new MasterIndex();
    ix.addPack('p-condemned', [blob('b')]);
    ix.addPack('p-live', [blob('b')]);
    ix.addPack('p-other', [blob('b'), blob('only-here', 10)]);
    ix.condemned = new Set(['p-condemned']);
    return ix;
  };

  it('offers live copies first and condemned ones last, so a reader can still fall back to a copy prune has not deleted yet', () => {
    assert.deepEqual(index().copies('b').map((l) => l.pack), ['p-live', 'p-other', 'p-condemned']);
  });

  it('tries a copy found bad after every other, and stops deduplicating against it', () => {
    const ix = index();
    ix.markBad('b', 'p-live');
    assert.deepEqual(ix.copies('b').map((l) => l.pack), ['p-other', 'p-condemned', 'p-live']);
    assert.equal(ix.hasLive('b'), true);
    ix.markBad('b', 'p-other');
    // Only the condemned copy is left, and a backup must not reuse a condemned blob.
    assert.equal(ix.hasLive('b'), false);
    ix.markBad('only-here', 'p-other');
    assert.equal(ix.hasLive('only-here'), false);
    assert.deepEqual(ix.copies('only-here').map((l) => l.pack), ['p-other']);
  });

  it('knows no copies of a blob it has never seen', () => {
    assert.deepEqual(index().copies('nope'), []);
  });
});
