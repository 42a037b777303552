/**
 * CRLs for every CA from the start, refreshed well before nextUpdate: a relying party that checks
 * CRLs rejects everything once the list is stale, so a list written only on revoke is an outage
 * seven days later. Checked with openssl, as relying parties read them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ManualClock } from '../../src/platform/clock.js';
import { CaStore, crlDue, refreshCrls } from '../../src/tls/index.js';
import { makeEngine, openssl, tempDir, text } from './harness.js';

const DAY = 86_400_000;

function nextUpdate(crlPem: string): Date {
  const r = openssl(['crl', '-noout', '-nextupdate'], crlPem);
  assert.equal(r.status, 0, r.out);
  return new Date(r.out.replace(/^nextUpdate=/, '').trim());
}

describe('CRLs', () => {
  it('a new CA (with an intermediate) publishes both lists at once, signed by the right certificate', async () => {
    const t = await tempDir();
    try {
      const engine = makeEngine(join(t.dir, 'ca'));
      const st = await engine.initCa({ commonName: 'CRL CA', algorithm: 'ecdsa-p256', lifetimeMs: 365 * DAY, intermediate: true });
      const store = new CaStore(join(t.dir, 'ca'));
      const cas = join(t.dir, 'ca', 'cas', st.active);
      for (const [which, signer] of [['issuing', 'intermediate.crt'], ['root', 'root.crt']] as const) {
        const r = openssl(['crl', '-noout', '-in', store.crlPath(st.active, which), '-CAfile', join(cas, signer), '-verify']);
        assert.match(r.out, /verify OK/, `${which}: ${r.out}`);
      }
    } finally {
      await t.cleanup();
    }
  });

  it('refreshes a list once half its validity has passed, and not before', async () => {
    const t = await tempDir();
    try {
      const clock = new ManualClock(new Date('2026-12-01T00:00:00Z'));
      const engine = makeEngine(join(t.dir, 'ca'), { clock });
      const st = await engine.initCa({ commonName: 'CRL CA', algorithm: 'ecdsa-p256', lifetimeMs: 365 * DAY, intermediate: false });
      const store = new CaStore(join(t.dir, 'ca'));
      const first = await text(store.crlPath(st.active));
      assert.equal(crlDue(first, clock.now()), false);
      clock.advance(3 * DAY);
      assert.deepEqual(await refreshCrls(store, clock), [], 'three days into seven: still fresh');
      clock.advance(DAY);
      assert.equal(crlDue(first, clock.now()), true);
      await engine.renew(); // what a cron'd `holdfast tls renew` does, with nothing due to renew
      const second = await text(store.crlPath(st.active));
      assert.notEqual(second, first);
      assert.equal(nextUpdate(second).getTime(), clock.now().getTime() + 7 * DAY);
    } finally {
      await t.cleanup();
    }
  });

  it('crlDue: a missing or unreadable list is due', () => {
    assert.equal(crlDue(undefined, new Date()), true);
    assert.equal(crlDue('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n', new Date()), true);
  });
});
