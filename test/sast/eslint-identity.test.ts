/**
 * ESLint writes no fingerprint and no snippet, and repeats one message for every call a rule
 * flags. Told apart by their order alone, removing one result shifted the identities of the ones
 * after it: a finding still in the code was marked fixed and a dismissal moved onto another call.
 * With the checkout at hand (--source-root) each is known by its own line's text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempCatalog } from '../../src/catalog/testing.js';
import { ManualClock } from '../../src/platform/clock.js';
import { dismissFinding, ingestBytes } from '../../src/sast/index.js';
import { Checkout, eslint } from './scanners.js';

const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
const reads = ['a', 'b', 'c', 'd'].map((d) => `function read_${d}(name) {\n  return fs.readFileSync('/srv/${d}/' + name, 'utf8');\n}\n`).join('\n');

test('ESLint: removing one of several same-message results fixes only it, and a dismissal stays on its call', () => {
  const t = tempCatalog();
  const co = new Checkout('js-notes');
  try {
    co.write('server.js', co.read('server.js') + '\n' + reads);
    const ingest = (commit: string, day: number) =>
      ingestBytes(eslint(co), { repository: 'github.com/acme/notes', commit, ref: 'main', scanTime: new Date(Date.UTC(2026, 0, day)), sourceRoot: co.root }, { catalog: t.catalog, clock, name: 'eslint.sarif' }).scans[0]!;
    ingest('1'.repeat(40), 1);
    const fsFindings = () => t.catalog.sast.listFindings({ tool: 'ESLint' }).filter((f) => f.ruleId === 'security/detect-non-literal-fs-filename');
    const before = fsFindings();
    assert.equal(before.length, 5, 'readNote and the four read_* calls');
    assert.equal(new Set(before.map((f) => f.message)).size, 1, 'one message for all: only the line tells them apart');
    const lineOf = (d: string) => co.read('server.js').split('\n').findIndex((l) => l.includes(`/srv/${d}/`)) + 1;
    const byCall = (d: string, list = fsFindings()) => list.find((f) => f.startLine === lineOf(d))!;
    const c = byCall('c', before);
    dismissFinding(t.catalog, clock, { id: c.id, reason: 'false-positive', comment: 'c is a fixed list', actor: 'test' });

    // Remove read_a: every line after it moves up three, and one result is gone.
    co.write('server.js', co.read('server.js').replace(/function read_a[\s\S]*?\n}\n\n/, ''));
    const after = ingest('2'.repeat(40), 2);
    assert.deepEqual([after.new, after.fixed], [0, 1]);
    const list = fsFindings();
    assert.equal(list.filter((f) => f.state === 'fixed').length, 1);
    assert.match(list.find((f) => f.state === 'fixed')!.message, /readFileSync/);
    assert.equal(byCall('c', list).id, c.id, 'the dismissed finding is still the call it was');
    assert.equal(byCall('c', list).state, 'dismissed');
    assert.equal(byCall('d', list).state, 'open', 'the call after it did not take its dismissal');
  } finally {
    co.dispose();
    t.dispose();
  }
});
