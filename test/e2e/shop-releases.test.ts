/**
 * The example's two releases and the reports it ships for them (examples/shop/releases): each
 * report is what a real Semgrep scan of that release gives today (run-scan.sh, with the scanner the
 * prepare step installs), so the story the example tells — v1 clean, v2 with a critical finding in
 * the code it changed — is the scanner's, not ours. A change to server.ts that moves a finding, or
 * a v2 patch that no longer applies, fails here with the command that fixes it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const shop = new URL('../../examples/shop/', import.meta.url).pathname;

interface Sarif {
  runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[];
}

/** rule@file:line for each result: what a finding's identity and place come from. */
const results = (text: string) =>
  (JSON.parse(text) as Sarif).runs
    .flatMap((r) => r.results)
    .map((r) => `${r.ruleId}@${r.locations[0]!.physicalLocation.artifactLocation.uri}:${r.locations[0]!.physicalLocation.region.startLine}`)
    .sort();

describe('the example shop: v1 and v2, and their shipped Semgrep reports', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-shop-releases-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const scanned: Record<string, string[]> = {};
  for (const release of ['v1', 'v2'])
    it(`${release}: the shipped report is what Semgrep finds in ${release} now`, () => {
      const out = join(dir, `${release}.sarif`);
      const r = spawnSync('sh', [join(shop, 'run-scan.sh'), release, out], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      scanned[release] = results(readFileSync(out, 'utf8'));
      assert.deepEqual(
        results(readFileSync(join(shop, 'releases', release, 'semgrep.sarif'), 'utf8')),
        scanned[release],
        `examples/shop/releases/${release}/semgrep.sarif is stale: run sh examples/shop/run-scan.sh ${release}`,
      );
    });

  it('v2 adds exactly the unvalidated append; v1 has no finding of it', () => {
    const added = scanned.v2!.filter((x) => !scanned.v1!.includes(x));
    assert.equal(added.length, 1, added.join(', '));
    assert.match(added[0]!, /^shop-unvalidated-record-append@server\.ts:\d+$/);
    assert.ok(!scanned.v1!.some((x) => x.startsWith('shop-unvalidated-record-append')));
  });

  it('a release without a build fails with one line naming it', () => {
    const r = spawnSync('sh', [join(shop, 'build.sh'), 'v3', join(dir, 'v3')], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^build\.sh: no release v3 \(known: v1 v2\)\n$/);
  });
});
