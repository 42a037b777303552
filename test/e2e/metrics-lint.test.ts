/**
 * The /metrics exposition follows Prometheus's conventions: promlint — what `promtool check
 * metrics` runs — finds nothing in it, and no name repeats a word (holdfast_process_process_…).
 * The exposition is the control plane's (real catalog, repository and CA: src/server/testing.ts)
 * after a backup, a verification and a certificate run, so the gauges have samples.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { baseYaml, testPlane } from '../../src/server/testing.js';

const here = import.meta.dirname;

/** A name with one word twice in a row: a prefix added to a name that already had it. */
const doubledWord = (name: string) => /(?:^|_)([a-z0-9]+)_\1(?:_|$)/.exec(name)?.[1];

describe('metric names in Prometheus conventions', { timeout: 600_000 }, () => {
  it('a name with a doubled prefix is caught, a normal one is not', () => {
    assert.equal(doubledWord('holdfast_process_process_cpu_seconds_total'), 'process');
    assert.equal(doubledWord('holdfast_backup_last_duration_seconds'), undefined);
    assert.equal(doubledWord('process_cpu_seconds_total'), undefined);
  });

  it('promlint finds no problem in /metrics, and no name doubles a word', async () => {
    const build = spawnSync('bash', [join(here, 'promlint', 'build.sh')], { encoding: 'utf8', timeout: 600_000 });
    assert.equal(build.status, 0, build.stderr);
    const promlint = build.stdout.trim();
    const t = await testPlane({
      yaml: baseYaml(`certificates:\n  web: { commonName: web.local, dnsNames: [web.local], certFile: ./certs/tls.crt, keyFile: ./certs/tls.key }\n`),
    });
    try {
      await t.cp.scheduler.runNow('backup/hourly/data');
      t.clock.advance(60_000);
      await t.cp.scheduler.runNow('verify/hourly/data');
      await t.cp.scheduler.runNow('certificate/web');
      const text = (await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${t.token}` } })).body;
      const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
      assert.ok(names.includes('holdfast_backup_last_success_timestamp_seconds') && names.includes('process_cpu_seconds_total'), names.join(' '));
      assert.deepEqual(names.filter((n) => doubledWord(n)), []);
      assert.deepEqual(names.filter((n) => !/^(holdfast|process|nodejs)_[a-z0-9_]+$/.test(n)), [], 'one prefix per name: holdfast_, or the standard process_/nodejs_');
      const lint = spawnSync(promlint, { input: text, encoding: 'utf8' });
      assert.equal(lint.stderr, '');
      assert.equal(lint.stdout, '', 'promlint problems');
      assert.equal(lint.status, 0);
    } finally {
      await t.dispose();
    }
  });
});
