import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitCodes } from './exit.js';

// Scripts branch on exit codes: every code the CLI can return is the one the README documents.
describe('exit codes', () => {
  it('are exactly the ones the README lists', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8').replace(/\s+/g, ' ');
    const line = /Exit codes: (.*?)\./.exec(readme)?.[1] ?? '';
    const documented = [...line.matchAll(/\b(\d+) [a-z]/g)].map((m) => Number(m[1])).filter((c) => c !== 0);
    assert.deepEqual([...new Set(Object.values(exitCodes))].sort((a, b) => a - b), documented.sort((a, b) => a - b));
  });
});
