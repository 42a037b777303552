import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { HoldfastError } from '../base/errors.js';
import { ManualClock } from '../platform/clock.js';
import { createAuthority, type CertAuthority } from './ca.js';
import { backdateFor, commonNameConflict, commonNameIfSan, issueLeaf, leafCommonName, leafKeyUsage, type Usage } from './issue.js';
import { DEFAULT_MAX_LIFETIME_MS, lifetimeDecision } from '../policy/certificate-lifetime.js';
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
    { name: 'keeps a CN asked for that is one of the DNS names', asked: 'api.local', dns: ['web.local', 'api.local'], want: 'api.local' },
    { name: 'writes a CN asked for in another case as its DNS name is written', asked: 'Web.Local', dns: ['web.local'], want: 'web.local' },
    { name: 'keeps a CN asked for that is one of the IP addresses', asked: '10.0.0.7', dns: ['web.local'], ip: ['10.0.0.7'], want: '10.0.0.7' },
  ];
  for (const c of cases)
    it(c.name, () =>
      assert.equal(leafCommonName(c.asked, { dns: c.dns ?? [], ip: c.ip ?? [], uri: c.uri ?? [] }, 'certificate t'), c.want),
    );
  it('refuses a CN asked for that is not one of the SANs, naming the certificate', () =>
    assert.throws(
      () => leafCommonName('shop', { dns: ['web.local'], ip: [], uri: [] }, 'certificate web'),
      (e: unknown) => e instanceof HoldfastError && e.code === 'TLS_INVALID_SPEC' && /^certificate web: common name "shop" is not one of the certificate's DNS names or IP addresses.*leave it out$/.test(e.message),
    ));
  it('refuses a CN asked for that is longer than 64 characters, naming the certificate', () =>
    assert.throws(
      () => leafCommonName(long, { dns: [long], ip: [], uri: [] }, 'certificate web'),
      (e: unknown) => e instanceof HoldfastError && e.code === 'TLS_INVALID_SPEC' && /^certificate web: common name .* at most 64 fit/.test(e.message),
    ));
});

describe('commonNameConflict: which CN asked for can be written', () => {
  const sans = { dns: ['web.local'], ip: ['10.0.0.7'], uri: ['spiffe://cluster.local/ns/a/sa/web'] };
  const cases: { name: string; asked: string; want: RegExp | undefined }[] = [
    { name: 'a DNS name of the certificate can', asked: 'web.local', want: undefined },
    { name: 'a DNS name with a trailing dot can', asked: 'web.local.', want: undefined },
    { name: 'an IP address of the certificate can', asked: '10.0.0.7', want: undefined },
    { name: 'a label that is no SAN cannot', asked: 'web', want: /^common name "web" is not one of/ },
    { name: 'another DNS name cannot', asked: 'api.local', want: /^common name "api.local" is not one of/ },
    { name: 'the URI SAN cannot: a CN is a host name', asked: 'spiffe://cluster.local/ns/a/sa/web', want: /is not one of/ },
    { name: 'a name longer than 64 characters cannot', asked: `${'a'.repeat(70)}.local`, want: /at most 64 fit/ },
  ];
  for (const c of cases)
    it(c.name, () => {
      const got = commonNameConflict(c.asked, sans);
      if (c.want) assert.match(got ?? '', c.want);
      else assert.equal(got, undefined);
    });
});

describe('commonNameIfSan: a name that labels a certificate (serve\'s commonName) is its CN only when it is a SAN', () => {
  const sans = { dns: ['shop.local', 'localhost'], ip: ['127.0.0.1'], uri: [] };
  it('a name that is one of the DNS names is the CN', () => assert.equal(commonNameIfSan('shop.local', sans), 'shop.local'));
  it('a name that is one of the IPs is the CN', () => assert.equal(commonNameIfSan('127.0.0.1', sans), '127.0.0.1'));
  it('a name that is no SAN asks for no CN (the first name becomes it)', () => assert.equal(commonNameIfSan('holdfast-control-plane', sans), undefined));
});

describe('lifetimeDecision: every issuer caps leaf lifetimes', () => {
  const cases: { name: string; lifetime: number; cap: number; capSetting?: string | null; refuse?: RegExp; warning?: RegExp }[] = [
    { name: 'issues 90 days under the default cap without a word', lifetime: 90 * D, cap: DEFAULT_MAX_LIFETIME_MS },
    { name: 'issues exactly 398 days under the default cap without a word', lifetime: 398 * D, cap: DEFAULT_MAX_LIFETIME_MS },
    { name: 'refuses 825 days under the default cap, saying where to raise it', lifetime: 825 * D, cap: DEFAULT_MAX_LIFETIME_MS, refuse: /^lifetime 825d is above the cap of 398d; shorten it, or raise maxLifetime in inventory.yaml$/ },
    { name: 'refuses 3650 days under a raised cap of 825, naming the setting of the caller', lifetime: 3650 * D, cap: 825 * D, capSetting: "the operator's --max-certificate-lifetime", refuse: /cap of 825d; .*--max-certificate-lifetime$/ },
    { name: 'issues 825 days under a raised cap, with a warning', lifetime: 825 * D, cap: 825 * D, warning: /^lifetime 825d is above 398d, which public clients refuse \(allowed by the raised cap of 825d\)$/ },
    { name: 'refuses 31 days under a lowered cap of 30', lifetime: 31 * D, cap: 30 * D, refuse: /above the cap of 30d/ },
    { name: 'names no setting for a cap nothing raises', lifetime: 400 * D, cap: DEFAULT_MAX_LIFETIME_MS, capSetting: null, refuse: /^lifetime 400d is above the cap of 398d; shorten it \(the cap of this certificate is not configurable\)$/ },
  ];
  for (const c of cases)
    it(c.name, () => {
      const d = lifetimeDecision(c.lifetime, c.cap, c.capSetting);
      if (c.refuse) assert.match(d.refuse ?? '', c.refuse);
      else assert.equal(d.refuse, undefined);
      if (c.warning) assert.match(d.warning ?? '', c.warning);
      else assert.equal(d.warning, undefined);
    });
});

describe('issueLeaf: lifetime', () => {
  let ca: CertAuthority;
  before(async () => {
    ca = await createAuthority({ id: 'ca', commonName: 'ca', algorithm: 'ecdsa-p256', lifetimeMs: 3650 * D }, clock);
  });
  const req = (lifetimeMs: number, maxLifetimeMs = 3650 * D) => ({
    name: 'web',
    sans: { dns: ['web.local'], ip: [], uri: [] },
    usages: ['serverAuth' as const],
    algorithm: 'ecdsa-p256' as const,
    lifetimeMs,
    maxLifetimeMs,
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
    assert.equal((await issueLeaf(req(398 * D, 398 * D), ca, clock)).warning, undefined);
  });

  it('issues above 398 days only under a raised cap, and says so on the leaf for the issuer to warn', async () => {
    const leaf = await issueLeaf(req(825 * D, 825 * D), ca, clock);
    assert.match(leaf.warning ?? '', /^certificate web: lifetime 825d is above 398d/);
  });

  it('refuses a CN that is not a SAN before signing anything', async () => {
    await assert.rejects(issueLeaf({ ...req(90 * D), commonName: 'shop' }, ca, clock), /certificate web: common name "shop" is not one of/);
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
