/** The CLI's face for a user's mistakes: one line naming file, line and field, a non-zero exit, no stack trace. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const bin = new URL('../../bin/holdfast.js', import.meta.url).pathname;
const holdfast = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('holdfast serve and report with bad input', () => {
  it('refuses an invalid config with file, line and field, exit 2 and no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'holdfast-cli-'));
    try {
      const file = join(dir, 'holdfast.yaml');
      writeFileSync(
        file,
        'version: 1\nvolumes:\n  data: { path: ./data }\nbackupPolicies:\n  p:\n    repository: nowhere\n    volumes: [data]\n    schedule: "61 * * * *"\n',
      );
      const r = holdfast('serve', '--config', file);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^holdfast: config ${file}:6:17: backupPolicies\\.p\\.repository: no repository named "nowhere"; ${file}:8:15: backupPolicies\\.p\\.schedule: invalid cron expression "61 \\* \\* \\* \\*"`,
        ),
      );
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says what is missing when the config file does not exist or has no catalog yet', () => {
    const dir = mkdtempSync(join(tmpdir(), 'holdfast-cli-'));
    try {
      const missing = holdfast('serve', '--config', join(dir, 'nope.yaml'));
      assert.equal(missing.status, 4);
      assert.match(missing.stderr, /^holdfast: read config .*nope\.yaml: no such file or directory\n$/);
      writeFileSync(join(dir, 'holdfast.yaml'), 'version: 1\n');
      const report = holdfast('report', '--config', join(dir, 'holdfast.yaml'));
      assert.equal(report.status, 4);
      assert.match(report.stderr, /no catalog at .*catalog\.db yet \(run holdfast serve first\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
