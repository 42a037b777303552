import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { certificateMetrics, METRIC_HELP } from './metrics.js';
import type { CertStatus } from './status.js';

const notAfter = new Date('2027-03-01T00:00:00Z');
const renewAt = new Date('2027-01-29T00:00:00Z');

describe('certificateMetrics', () => {
  it('gives expiry, renewal, ready and served expiry for an installed, probed certificate', () => {
    const rows: CertStatus[] = [
      {
        name: 'shop',
        trustOnly: false,
        caId: 'ca-1',
        notAfter,
        renewAt,
        ready: true,
        probe: { endpoint: '127.0.0.1:8443', matches: true, reason: 'Valid', message: '', servedNotAfter: notAfter },
      },
    ];
    const by = (n: string) => certificateMetrics(rows).filter((s) => s.name === n);
    assert.deepEqual(
      by('holdfast_certificate_expiration_timestamp_seconds').map((s) => [s.labels, s.value]),
      [[{ name: 'shop', issuer_name: 'ca-1' }, notAfter.getTime() / 1000]],
    );
    assert.equal(by('holdfast_certificate_renewal_timestamp_seconds')[0]!.value, renewAt.getTime() / 1000);
    assert.deepEqual(
      by('holdfast_certificate_ready_status').map((s) => [s.labels.condition, s.value]),
      [
        ['True', 1],
        ['False', 0],
        ['Unknown', 0],
      ],
    );
    assert.deepEqual(
      by('holdfast_certificate_served_expiration_timestamp_seconds').map((s) => [s.labels.endpoint, s.value]),
      [['127.0.0.1:8443', notAfter.getTime() / 1000]],
    );
  });

  it('reports a certificate that is not installed as not ready, with no expiry series', () => {
    const samples = certificateMetrics([{ name: 'db', trustOnly: false, ready: false }]);
    assert.deepEqual(
      samples.map((s) => [s.name, s.labels.condition, s.value]),
      [
        ['holdfast_certificate_ready_status', 'True', 0],
        ['holdfast_certificate_ready_status', 'False', 1],
        ['holdfast_certificate_ready_status', 'Unknown', 0],
      ],
    );
  });

  it('shows a served expiry that differs from the installed one: the endpoint has not reloaded', () => {
    const old = new Date('2026-12-15T00:00:00Z');
    const samples = certificateMetrics([
      {
        name: 'api',
        trustOnly: false,
        notAfter,
        ready: false,
        probe: { endpoint: 'api:443', matches: false, reason: 'NotInstalled', message: '', servedNotAfter: old },
      },
    ]);
    const v = (n: string) => samples.find((s) => s.name === n)!.value;
    assert.ok(
      v('holdfast_certificate_served_expiration_timestamp_seconds') <
        v('holdfast_certificate_expiration_timestamp_seconds'),
    );
  });

  it('documents every metric it emits', () => {
    for (const s of certificateMetrics([
      {
        name: 'x',
        trustOnly: false,
        notAfter,
        renewAt,
        ready: true,
        probe: { endpoint: 'e', matches: true, reason: 'Valid', message: '', servedNotAfter: notAfter },
      },
    ]))
      assert.equal(s.help, METRIC_HELP[s.name as keyof typeof METRIC_HELP]);
  });
});
