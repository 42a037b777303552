import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { HoldfastError } from '../base/errors.js';
import { ManualClock } from '../platform/clock.js';
import { createAuthority, type CertAuthority } from './ca.js';
import { backdateFor, issueLeaf, leafCommonName, leafKeyUsage, type Usage } from './issue.js';
import { x509, type KeyAlgorithm } from './keys.js';

const D = 86_400_000;
const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
const { digitalSignature, keyEncipherment } = x509.KeyUsageFlags;

describe('leafKeyUsage: by key type and what the leaf is for', () => {
  const cases: { name: string; algorithm: KeyAlgorithm; usages: Usage[]; want: number }[] = [
    { name: 'an RSA server leaf may receive RSA key transport', algorithm: 'rsa-2048', usages: ['serverAuth'], want: digitalSignature | keyEncipherment },
    { name: 'an RSA client-only leaf only signs (no keyEncipherment)', algorithm: 'rsa-2048', usages: ['clientAuth'], want: digitalSignature },
    { name: 'an RSA leaf for both keeps keyEncipherment for its server side', algorithm: 'rsa-3072', usages: ['serverAuth', 'clientAuth'], want: digitalSignature | keyEncipherment },
    { name: 'an ECDSA server leaf only signs: an EC key cannot encipher', algorithm: 'ecdsa-p256', usages: ['serverAuth'], want: digitalSignature },
    { name: 'an Ed25519 leaf only signs', algorithm: 'ed25519', usages: ['serverAuth', 'clientAuth'], want: digitalSignature },
  ];
  for (const c of cases) it(c.name, () => assert.equal(leafKeyUsage(c.algorithm, c.usages), c.want));
});

describe('leafCommonName: a CN is always also a SAN, or there is none', () => {
  const long = `${'a'.repeat(60)}.shop.svc.cluster.local`;
  const cases: { name: string; asked?: string; dns?: string[]; ip?: string[]; uri?: string[]; want: string | undefined }[] = [
    { name: 'takes the first DNS name', dns: ['web.local', 'api.local'], want: 'web.local' },
    { name: 'skips a DNS name longer than 64 characters instead of cutting it', dns: [long, 'web.local'], want: 'web.local' },
    { name: 'has no CN when the only DNS name is too long', dns: [long], want: undefined },
    { name: 'takes an IP when there is no DNS name', ip: ['10.0.0.7'], want: '10.0.0.7' },
    { name: 'has no CN for a URI-only (SPIFFE) leaf', uri: ['spiffe://cluster.local/ns/a/sa/b'], want: undefined },
    { name: 'keeps the CN asked for', asked: 'shop', dns: ['web.local'], want: 'shop' },
  ];
  for (const c of cases)
    it(c.name, () =>
      assert.equal(leafCommonName(c.asked, { dns: c.dns ?? [], ip: c.ip ?? [], uri: c.uri ?? [] }, 'certificate t'), c.want),
    );
  it('refuses a CN asked for that is longer than 64 characters, naming the certificate', () =>
    assert.throws(
      () => leafCommonName(long, { dns: [long], ip: [], uri: [] }, 'certificate web'),
      (e: unknown) => e instanceof HoldfastError && e.code === 'TLS_INVALID_SPEC' && /^certificate web: common name .* at most 64 fit/.test(e.message),
    ));
});

describe('issueLeaf: lifetime', () => {
  let ca: CertAuthority;
  before(async () => {
    ca = await createAuthority({ id: 'ca', commonName: 'ca', algorithm: 'ecdsa-p256', lifetimeMs: 3650 * D }, clock);
  });
  const req = (lifetimeMs: number, maxLifetimeMs?: number) => ({
    name: 'web',
    sans: { dns: ['web.local'], ip: [], uri: [] },
    usages: ['serverAuth' as const],
    algorithm: 'ecdsa-p256' as const,
    lifetimeMs,
    ...(maxLifetimeMs ? { maxLifetimeMs } : {}),
  });

  it('issues exactly the lifetime asked for: 825d is 825 days, not 825 days and the backdating', async () => {
    const leaf = await issueLeaf(req(825 * D), ca, clock);
    assert.equal(leaf.notAfter.getTime() - leaf.notBefore.getTime(), 825 * D);
    const c = new X509Certificate(leaf.certPem);
    assert.equal(Date.parse(c.validTo) - Date.parse(c.validFrom), 825 * D);
  });

  it('a short-lived leaf is valid now for most of its lifetime: the backdating takes at most a tenth', async () => {
    for (const [lifetimeMs, backdateMs] of [
      [20_000, 2_000],
      [40_000, 4_000],
      [10 * 60_000, 60_000],
      [825 * D, 60_000],
    ] as const) {
      assert.equal(backdateFor(lifetimeMs), backdateMs, `lifetime ${lifetimeMs} ms`);
      const leaf = await issueLeaf(req(lifetimeMs), ca, clock);
      assert.equal(leaf.notAfter.getTime() - clock.now().getTime(), lifetimeMs - backdateMs, `lifetime ${lifetimeMs} ms`);
    }
  });

  it('refuses a lifetime above the cap, saying how to raise it', async () => {
    await assert.rejects(issueLeaf(req(825 * D, 398 * D), ca, clock), (e: unknown) =>
      e instanceof HoldfastError && /^certificate web: lifetime 825d is above the cap of 398d; .*maxLifetime/.test(e.message),
    );
    await issueLeaf(req(398 * D, 398 * D), ca, clock);
  });

  it('writes no CN and a critical SAN when no name fits a CN', async () => {
    const long = `${'b'.repeat(60)}.example.internal`;
    const leaf = await issueLeaf({ ...req(90 * D), sans: { dns: [long], ip: [], uri: [] } }, ca, clock);
    const c = new x509.X509Certificate(leaf.certPem);
    assert.equal(c.subject, '');
    assert.equal(c.getExtension(x509.SubjectAlternativeNameExtension)?.critical, true);
    assert.equal(new X509Certificate(leaf.certPem).checkHost(long), long);
  });
});
