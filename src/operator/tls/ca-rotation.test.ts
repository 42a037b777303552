import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServingOld } from '../../tls/index.js';
import type { MountedCopy } from './bundle-mounts.js';
import { rotationStep, type BundleView, type CaSetView, type LeafView } from './ca-rotation.js';

const now = new Date('2026-12-07T06:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const DELAY = 120_000;
const bundle = (policy: string, caIds: string[], sinceSecondsAgo: number): BundleView => ({ policy, caIds, since: ago(sinceSecondsAgo) });
const leaf = (policy: string, issuedBy: string, rolledOut = true): LeafView => ({ policy, issuedBy, rolledOut });
const copy = (pod: string, state: MountedCopy['state'], reason?: string): MountedCopy => ({ bundle: 'shop/shop-ca', pod: `shop/${pod}`, path: '/ca/ca.crt', state, ...(reason ? { reason } : {}) });
const distributing: CaSetView = { activeId: 'a', nextId: 'b', rotation: '2' };

const cases: { name: string; requested?: string; handled?: string; ca: CaSetView; bundles?: BundleView[]; leaves?: LeafView[]; servingOld?: ServingOld[]; mounted?: MountedCopy[]; want: string; waitMs?: number; says?: RegExp }[] = [
  { name: 'nothing asked, nothing in progress', ca: { activeId: 'a' }, want: 'none' },
  { name: 'a value already handled', requested: '1', handled: '1', ca: { activeId: 'a', rotation: '1' }, want: 'none' },
  { name: 'a new value stages a CA', requested: '2', handled: '1', ca: { activeId: 'a', rotation: '1' }, want: 'stage' },
  // A reconcile on a cached policy that predates its own status write: the CA Secret says it is done.
  { name: 'a value the CA Secret already rotated for is done, not staged again', requested: '2', handled: '1', ca: { activeId: 'b', rotation: '2' }, want: 'done' },
  {
    name: 'a bundle without the new CA holds the activation',
    requested: '2', ca: { activeId: 'a', nextId: 'b', rotation: '2' },
    bundles: [bundle('x/one', ['a', 'b'], 600), bundle('y/two', ['a'], 600)], want: 'wait', waitMs: 2000,
  },
  {
    name: 'the newest bundle must be older than the propagation delay',
    requested: '2', ca: { activeId: 'a', nextId: 'b', rotation: '2' },
    bundles: [bundle('x/one', ['a', 'b'], 600), bundle('y/two', ['a', 'b'], 30)], want: 'wait', waitMs: 90_000,
  },
  { name: 'every bundle held both long enough: activate', requested: '2', ca: { activeId: 'a', nextId: 'b', rotation: '2' }, bundles: [bundle('x/one', ['a', 'b'], 121)], want: 'activate' },
  { name: 'no bundle to wait for: activate', requested: '2', ca: { activeId: 'a', nextId: 'b', rotation: '2' }, want: 'activate' },
  {
    name: 'the delay has passed but a pod\'s mounted copy lacks the new root: wait, naming it',
    requested: '2', ca: distributing, bundles: [bundle('shop/shop', ['a', 'b'], 200)],
    mounted: [copy('tls-client-0', 'new'), copy('tls-client-5', 'new'), copy('tls-client-60', 'old')],
    want: 'wait', waitMs: 5000, says: /^2 of 3 pods have the new CA in their mounted shop-ca: waiting for shop\/tls-client-60 \(\/ca\/ca\.crt\)$/,
  },
  {
    name: 'within the delay the message says how far the mounted copies are',
    requested: '2', ca: distributing, bundles: [bundle('shop/shop', ['a', 'b'], 60)],
    mounted: [copy('tls-client-0', 'new'), copy('tls-client-5', 'old')],
    want: 'wait', waitMs: 60_000, says: /it issues in 60 s, .*\(spec\.caRotation\.propagationDelay\); 1 of 2 pods have the new CA in their mounted shop-ca: waiting for shop\/tls-client-5 \(\/ca\/ca\.crt\)$/,
  },
  {
    name: 'every copy read holds the new root, but the delay has not passed: wait (clients re-read on a timer)',
    requested: '2', ca: distributing, bundles: [bundle('shop/shop', ['a', 'b'], 30)], mounted: [copy('tls-client-0', 'new')], want: 'wait', waitMs: 90_000,
  },
  {
    name: 'every copy read holds the new root after the delay: activate',
    requested: '2', ca: distributing, bundles: [bundle('shop/shop', ['a', 'b'], 121)], mounted: [copy('tls-client-0', 'new'), copy('tls-client-5', 'new')], want: 'activate',
  },
  {
    name: 'a copy that could not be read never blocks past the delay',
    requested: '2', ca: distributing, bundles: [bundle('shop/shop', ['a', 'b'], 121)],
    mounted: [copy('tls-client-0', 'new'), copy('distroless', 'unread', 'exit code 126')], want: 'activate',
  },
  {
    name: 'within the delay, a copy not read is named with its reason',
    requested: '2', ca: distributing, bundles: [bundle('shop/shop', ['a', 'b'], 60)], mounted: [copy('distroless', 'unread', 'exit code 126')],
    want: 'wait', says: /; 0 of 1 pods have the new CA in their mounted shop-ca; not read, so only the propagation delay covers them: shop\/distroless \(\/ca\/ca\.crt\): exit code 126$/,
  },
  // Another policy of the issuer asked; this one takes part without a request of its own.
  { name: 'a rotation in progress is joined without a request', ca: { activeId: 'a', nextId: 'b', rotation: '2' }, want: 'activate' },
  {
    name: 'the old CA stays while a Secret is from it',
    requested: '2', ca: { activeId: 'b', previousId: 'a', rotation: '2' },
    leaves: [leaf('x/one', 'b'), leaf('y/two', 'a')], want: 'wait', waitMs: 5000,
  },
  {
    name: 'the old CA stays while a workload still runs a certificate from it',
    requested: '2', ca: { activeId: 'b', previousId: 'a', rotation: '2' },
    leaves: [leaf('x/one', 'b', false)], want: 'wait',
  },
  {
    name: 'the old CA stays while an endpoint of a policy serves a leaf from it, though every Secret is new and rolled out',
    requested: '2', ca: { activeId: 'b', previousId: 'a', rotation: '2' },
    leaves: [leaf('x/one', 'b')], servingOld: [{ name: 'x/one', endpoint: 'web.x.svc:443 (10.0.0.4:8443)', serial: '0123456789abcdef01' }],
    want: 'wait', waitMs: 5000, says: /^the old CA a stays trusted: web\.x\.svc:443 \(10\.0\.0\.4:8443\) \(x\/one\) serves serial 0123456789abcdef… from a; its workload must reload the leaf from b first$/,
  },
  { name: 'every Secret from the new CA and rolled out: retire', requested: '2', ca: { activeId: 'b', previousId: 'a', rotation: '2' }, leaves: [leaf('x/one', 'b')], want: 'retire' },
  { name: 'retired: done', requested: '2', handled: '1', ca: { activeId: 'b', rotation: '2' }, want: 'done' },
];

for (const c of cases)
  test(`rotate-ca: ${c.name}`, () => {
    const step = rotationStep({ requested: c.requested, handled: c.handled, ca: c.ca, bundles: c.bundles ?? [], leaves: c.leaves ?? [], servingOld: c.servingOld ?? [], mounted: c.mounted ?? [], now, propagationDelayMs: DELAY });
    assert.equal(step.action, c.want, JSON.stringify(step));
    if (c.waitMs !== undefined && step.action === 'wait') assert.equal(step.retryAfterMs, c.waitMs);
    if (c.says && step.action === 'wait') assert.match(step.message, c.says);
  });

test('rotate-ca: the activate step counts the mounted copies confirmed and those not read', () => {
  const step = rotationStep({
    requested: '2', handled: '1', ca: distributing, bundles: [bundle('shop/shop', ['a', 'b'], 200)], leaves: [], now, propagationDelayMs: DELAY,
    mounted: [copy('tls-client-0', 'new'), copy('tls-client-5', 'new'), copy('gone', 'unread', 'pod or container not found (HTTP 404)')],
  });
  assert.equal(step.action, 'activate');
  if (step.action === 'activate') {
    assert.equal(step.mounted.confirmed, 2);
    assert.equal(step.mounted.unread, 1);
    assert.equal(step.mounted.unreadList, 'shop/gone (/ca/ca.crt): pod or container not found (HTTP 404)');
  }
});
