import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incidentHold, type IncidentOnPvc } from './incident-hold.js';

const data = { namespace: 'shop', name: 'data' };
const inc = (phase: string | undefined, extra: Partial<IncidentOnPvc> = {}): IncidentOnPvc => ({ namespace: 'shop', name: 'cve', pvc: 'data', phase, changed: true, ...extra });

const cases: { name: string; incidents: IncidentOnPvc[]; held: string | undefined }[] = [
  { name: 'a running Incident on the PVC holds it', incidents: [inc('Running')], held: 'shop/cve' },
  { name: 'a running Incident holds it even before its first change is recorded', incidents: [inc('Running', { changed: false })], held: 'shop/cve' },
  { name: 'a Failed Incident that changed the cluster holds it until it is aborted or deleted', incidents: [inc('Failed')], held: 'shop/cve' },
  { name: 'a Failed Incident that was refused before changing anything does not hold it', incidents: [inc('Failed', { changed: false })], held: undefined },
  { name: 'an aborted Incident does not hold it', incidents: [inc('Aborted')], held: undefined },
  { name: 'a succeeded Incident does not hold it', incidents: [inc('Succeeded', { changed: false })], held: undefined },
  { name: 'an Incident awaiting approval has changed nothing and does not hold it', incidents: [inc('AwaitingApproval', { changed: false }), inc('Planning', { name: 'p', changed: false }), inc(undefined, { name: 'new', changed: false })], held: undefined },
  { name: 'a running Incident on another PVC does not hold this one', incidents: [inc('Running', { pvc: 'logs' })], held: undefined },
  { name: 'a running Incident on a PVC of the same name in another namespace does not hold this one', incidents: [inc('Running', { namespace: 'blog' })], held: undefined },
  { name: 'of several holders the first by name is named', incidents: [inc('Failed', { name: 'zeta' }), inc('Succeeded', { name: 'alpha' }), inc('Running', { name: 'beta' })], held: 'shop/beta' },
];
for (const c of cases)
  test(c.name, () => {
    const d = incidentHold(data, c.incidents);
    assert.equal(d.reason === 'IncidentActive' ? d.incident : undefined, c.held);
  });

test('the pause names the Incident, its phase and that its evidence Job is the only backup', () => {
  const d = incidentHold(data, [inc('Failed')]);
  assert.equal(d.reason, 'IncidentActive');
  assert.equal(d.message, 'Incident shop/cve (Failed) failed on it and was not aborted (the volume may be half-restored): no backup Job is started; its evidence Job is the only backup until it succeeds, is aborted or deleted');
});
