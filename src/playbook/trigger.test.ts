import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideTrigger, type TriggerInput } from './trigger.js';

const base: TriggerInput = {
  finding: { id: 'f1', severity: 'high', state: 'open', isNew: true },
  deployments: [{ workload: 'shop', running: true, volumes: ['shop-data'] }],
  activeIncidentVolumes: [],
  policy: { threshold: 'high' },
};
const w = (o: Partial<TriggerInput>, f: Partial<TriggerInput['finding']> = {}): TriggerInput => ({ ...base, ...o, finding: { ...base.finding, ...f } });

const cases: [string, TriggerInput, string, string[]][] = [
  ['proposes an incident for a new high finding deployed on a workload that writes a volume', base, 'propose', ['shop-data']],
  ['proposes nothing for a finding seen before', w({}, { isNew: false }), 'none', []],
  ['proposes nothing for a dismissed finding', w({}, { state: 'dismissed' }), 'none', []],
  ['proposes nothing below the threshold', w({}, { severity: 'medium' }), 'none', []],
  ['proposes nothing when the version is no longer deployed', w({ deployments: [{ workload: 'shop', running: false, volumes: ['shop-data'] }] }), 'none', []],
  ['proposes nothing when the workload writes no volume', w({ deployments: [{ workload: 'api', running: true, volumes: [] }] }), 'none', []],
  ['proposes nothing for a volume that already has an active incident', w({ activeIncidentVolumes: ['shop-data'] }), 'none', []],
  ['proposes only for the volumes without an active incident', w({ deployments: [{ workload: 'shop', running: true, volumes: ['shop-data', 'shop-logs'] }], activeIncidentVolumes: ['shop-data'] }), 'propose', ['shop-logs']],
  ['does not auto-run when the policy leaves auto-run off', w({ policy: { threshold: 'high', autoRun: { enabled: false } } }, { severity: 'critical' }), 'propose', ['shop-data']],
  ['auto-runs a critical finding where the policy enables auto-run', w({ policy: { threshold: 'high', autoRun: { enabled: true } } }, { severity: 'critical' }), 'auto-run', ['shop-data']],
  ['only proposes a high finding when auto-run is for critical ones (the default)', w({ policy: { threshold: 'high', autoRun: { enabled: true } } }), 'propose', ['shop-data']],
  ['only proposes when auto-run is limited to other volumes', w({ policy: { threshold: 'high', autoRun: { enabled: true, atOrAbove: 'high', volumes: ['other'] } } }), 'propose', ['shop-data']],
  ['auto-runs a high finding on a volume the policy lists', w({ policy: { threshold: 'high', autoRun: { enabled: true, atOrAbove: 'high', volumes: ['shop-data'] } } }), 'auto-run', ['shop-data']],
];

for (const [name, input, action, volumes] of cases)
  test(name, () => {
    const d = decideTrigger(input);
    assert.equal(d.action, action, d.message);
    assert.deepEqual(d.volumes, volumes);
    assert.ok(d.message.includes('f1'));
  });
