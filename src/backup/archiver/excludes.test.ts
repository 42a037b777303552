import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { excludeMatcher } from './excludes.js';

describe('exclude patterns', () => {
  const cases: [string, string[], string, boolean][] = [
    ['a name pattern matches at any depth', ['*.tmp'], 'db/cache/x.tmp', true],
    ['a star never crosses a slash', ['db/*.log'], 'db/old/x.log', false],
    ['a double star crosses directories', ['db/**/x.log'], 'db/old/deep/x.log', true],
    ['a leading slash anchors at the backup root', ['/cache'], 'app/cache', false],
    ['an anchored pattern matches the top-level entry', ['/cache'], 'cache', true],
    ['a question mark matches one character', ['seg-?.dat'], 'seg-1.dat', true],
    ['dots are literal, not wildcards', ['a.b'], 'axb', false],
    ['nothing is excluded without patterns', [], 'anything', false],
  ];
  for (const [name, patterns, path, want] of cases) it(name, () => assert.equal(excludeMatcher(patterns)(path), want));
});
