import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { ManualClock } from '../platform/clock.js';
import { createAuthority, type CertAuthority } from './ca.js';
import { issueLeaf, type IssuedLeaf } from './issue.js';
import { DEFAULT_MAX_LIFETIME_MS } from '../policy/certificate-lifetime.js';
import { splitPem } from './pem.js';
import type { ProbeResult } from './probe.js';
import { judgeServed, type ServedReason } from './served.js';

const D = 86_400_000;
const t0 = new Date('2026-03-01T00:00:00Z');
const clock = new ManualClock(t0);

function probe(chainPem: string, endpoint = '127.0.0.1:8443'): ProbeResult {
  return {
    endpoint,
    reached: true,
    chain: splitPem(chainPem).map((pem) => {
      const c = new X509Certificate(pem);
      return {
        fingerprint: c.fingerprint256.replace(/:/g, '').toLowerCase(),
        serial: c.serialNumber.toLowerCase(),
        subject: c.subject,
        issuer: c.issuer,
        notBefore: new Date(c.validFrom),
        notAfter: new Date(c.validTo),
        pem,
      };
    }),
  };
}

describe('judgeServed: what a client would make of what an endpoint serves', () => {
  let ours: CertAuthority;
  let withIntermediate: CertAuthority;
  let stranger: CertAuthority;
  let leaf: IssuedLeaf;
  let other: IssuedLeaf;
  let shortLived: IssuedLeaf;
  let viaIntermediate: IssuedLeaf;
  let untrustedLeaf: IssuedLeaf;
  before(async () => {
    const ca = (id: string, intermediate = false) =>
      createAuthority({ id, commonName: id, algorithm: 'ecdsa-p256', lifetimeMs: 365 * D, intermediate }, clock);
    [ours, withIntermediate, stranger] = await Promise.all([ca('ours'), ca('inter', true), ca('stranger')]);
    const req = (lifetimeMs = 90 * D) => ({
      name: 'web',
      sans: { dns: ['web.local'], ip: ['127.0.0.1'], uri: [] },
      usages: ['serverAuth' as const],
      algorithm: 'ecdsa-p256' as const,
      lifetimeMs,
      maxLifetimeMs: DEFAULT_MAX_LIFETIME_MS,
    });
    leaf = await issueLeaf(req(), ours, clock);
    other = await issueLeaf(req(), ours, clock);
    shortLived = await issueLeaf(req(D), ours, clock);
    viaIntermediate = await issueLeaf(req(), withIntermediate, clock);
    untrustedLeaf = await issueLeaf(req(), stranger, clock);
  });

  const cases: {
    name: string;
    served: () => ProbeResult;
    installed?: () => string;
    roots?: () => string[];
    at?: Date;
    clientName?: string;
    want: ServedReason;
  }[] = [
    {
      name: 'an endpoint that does not answer is Unreachable, never valid',
      served: () => ({ endpoint: '127.0.0.1:1', reached: false, chain: [], error: 'ECONNREFUSED' }),
      want: 'Unreachable',
    },
    {
      name: 'an expired leaf that is also the installed one is Expired, not green',
      served: () => probe(shortLived.chainPem),
      installed: () => shortLived.chainPem,
      at: new Date(t0.getTime() + 2 * D),
      want: 'Expired',
    },
    {
      name: 'a leaf not valid yet (clock skew) is NotYetValid',
      served: () => probe(leaf.chainPem),
      at: new Date(t0.getTime() - D),
      want: 'NotYetValid',
    },
    {
      name: 'a leaf from a CA no consumer trusts is Untrusted even when it is the installed one',
      served: () => probe(untrustedLeaf.chainPem),
      installed: () => untrustedLeaf.chainPem,
      want: 'Untrusted',
    },
    {
      name: 'a served root is not trusted for being served: only the bundle anchors a path',
      served: () => probe(untrustedLeaf.chainPem + stranger.root.certPem),
      want: 'Untrusted',
    },
    {
      name: 'a leaf whose intermediate is not served is Untrusted: clients do not fetch it',
      served: () => probe(splitPem(viaIntermediate.chainPem)[0]!),
      roots: () => [withIntermediate.root.certPem],
      want: 'Untrusted',
    },
    {
      name: 'a leaf through a served intermediate to a bundle root is Valid',
      served: () => probe(viaIntermediate.chainPem),
      installed: () => viaIntermediate.chainPem,
      roots: () => [withIntermediate.root.certPem],
      want: 'Valid',
    },
    {
      name: 'a leaf without the name the client asks for is NameMismatch',
      served: () => probe(leaf.chainPem),
      clientName: 'api.local',
      want: 'NameMismatch',
    },
    {
      name: 'an IP the leaf names is matched as an IP',
      served: () => probe(leaf.chainPem),
      clientName: '127.0.0.1',
      want: 'Valid',
    },
    {
      name: 'a trusted, valid, named leaf that is not the installed one is NotInstalled',
      served: () => probe(other.chainPem),
      installed: () => leaf.chainPem,
      want: 'NotInstalled',
    },
    {
      name: 'the installed chain, trusted, valid and named, is Valid',
      served: () => probe(leaf.chainPem),
      installed: () => leaf.chainPem,
      want: 'Valid',
    },
    {
      name: 'a leaf from a root that is in the bundle beside another is Valid (rotation overlap)',
      served: () => probe(untrustedLeaf.chainPem),
      roots: () => [ours.root.certPem, stranger.root.certPem],
      want: 'Valid',
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const v = judgeServed(c.served(), {
        now: c.at ?? t0,
        trustedRootsPem: c.roots?.() ?? [ours.root.certPem],
        name: c.clientName ?? 'web.local',
        ...(c.installed ? { installedChainPem: splitPem(c.installed()) } : {}),
      });
      assert.equal(v.reason, c.want, v.message);
      assert.equal(v.ok, c.want === 'Valid');
      assert.match(v.message, /^127\.0\.0\.1:\d+/);
    });
});
