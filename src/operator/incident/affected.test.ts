import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { affectedCertificatePolicies, affectedWorkloads, type PolicyView, type WorkloadObject } from './affected.js';

const tpl = (claim: string | undefined, secret?: string): k8s.V1PodTemplateSpec => ({
  spec: {
    containers: [{ name: 'app', image: 'x' }],
    volumes: [...(claim ? [{ name: 'd', persistentVolumeClaim: { claimName: claim } }] : []), ...(secret ? [{ name: 't', secret: { secretName: secret } }] : [])],
  },
});
const w = (kind: 'Deployment' | 'StatefulSet', name: string, claim?: string, secret?: string): WorkloadObject => ({ kind, name, template: tpl(claim, secret) });
const pol = (name: string, secretName: string, workloads?: { kind: 'Deployment' | 'StatefulSet'; name: string }[]): PolicyView => ({ name, spec: { secretName, rollout: { maxConcurrent: 1, ...(workloads ? { workloads } : {}) } } });

test('only workloads whose pod template mounts the claim are affected, sorted by kind and name', () => {
  const all = [w('StatefulSet', 'db', 'data'), w('Deployment', 'web', 'other'), w('Deployment', 'api', 'data'), w('Deployment', 'none')];
  assert.deepEqual(affectedWorkloads(all, 'data').map((x) => `${x.kind}/${x.name}`), ['Deployment/api', 'StatefulSet/db']);
});

const db = [w('StatefulSet', 'db', 'data', 'db-tls')];
const cases: { name: string; policies: PolicyView[]; named?: string[]; want: string[]; reason: string }[] = [
  { name: 'a policy whose Secret an affected workload mounts is affected', policies: [pol('db', 'db-tls'), pol('web', 'web-tls')], want: ['db'], reason: 'Matched' },
  { name: 'a policy that lists an affected workload in its rollout is affected even if it is not mounted', policies: [pol('edge', 'edge-tls', [{ kind: 'StatefulSet', name: 'db' }])], want: ['edge'], reason: 'Matched' },
  { name: 'a policy that lists other workloads is not affected although its Secret is mounted', policies: [pol('db', 'db-tls', [{ kind: 'Deployment', name: 'web' }])], want: [], reason: 'NoneMatched' },
  { name: 'spec.certificatePolicies overrides the matching', policies: [pol('db', 'db-tls')], named: ['other'], want: ['other'], reason: 'Named' },
  { name: 'an empty spec.certificatePolicies means reissue nothing', policies: [pol('db', 'db-tls')], named: [], want: [], reason: 'Named' },
];
for (const c of cases)
  test(c.name, () => {
    const r = affectedCertificatePolicies(c.policies, db, c.named);
    assert.deepEqual(r.policies, c.want);
    assert.equal(r.reason, c.reason);
  });
