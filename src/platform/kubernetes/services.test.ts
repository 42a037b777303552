import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { serviceAddresses } from './services.js';

const service = (ports: { name?: string; port: number }[]): k8s.V1Service => ({ spec: { ports } });
const slice = (ports: { name?: string; port: number }[], endpoints: { addresses: string[]; ready?: boolean }[]): k8s.V1EndpointSlice =>
  ({ addressType: 'IPv4', ports, endpoints: endpoints.map((e) => ({ addresses: e.addresses, ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }) })) }) as k8s.V1EndpointSlice;

test('every ready pod behind a single-port Service, at the pod port', () => {
  const got = serviceAddresses(service([{ port: 443 }]), [slice([{ port: 8443 }], [{ addresses: ['10.0.0.4'] }, { addresses: ['10.0.0.5'], ready: true }])], 443);
  assert.deepEqual(got, [{ host: '10.0.0.4', port: 8443 }, { host: '10.0.0.5', port: 8443 }]);
});

test('a pod not ready is not reached by clients and is left out', () => {
  assert.deepEqual(serviceAddresses(service([{ port: 443 }]), [slice([{ port: 8443 }], [{ addresses: ['10.0.0.4'], ready: false }])], 443), []);
});

test('of a multi-port Service, the slice port with the same name as the Service port asked for', () => {
  const s = service([{ name: 'http', port: 80 }, { name: 'https', port: 443 }]);
  const sl = slice([{ name: 'http', port: 8080 }, { name: 'https', port: 8443 }], [{ addresses: ['10.0.0.4'] }]);
  assert.deepEqual(serviceAddresses(s, [sl], 443), [{ host: '10.0.0.4', port: 8443 }]);
});

test('a port the Service does not have reaches nothing', () => {
  assert.deepEqual(serviceAddresses(service([{ port: 443 }]), [slice([{ port: 8443 }], [{ addresses: ['10.0.0.4'] }])], 8443), []);
});
