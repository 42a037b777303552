/**
 * What answers behind a Service port: the ready addresses of its EndpointSlices, each a pod that a
 * client of the Service may reach. Probing the ClusterIP would reach one of them at random; a
 * question like "does any of them still serve the old certificate" needs every one.
 */
import type * as k8s from '@kubernetes/client-node';
import { call, isNotFound, kubeError } from './errors.js';
import type { KubeApis } from './client.js';

export interface Address {
  host: string;
  port: number;
}

/**
 * Pure: the ready addresses behind `port` (the Service's port, not the pod's) of `service`, from its
 * EndpointSlices. A slice port is matched by the Service port's name (empty for a single-port Service).
 */
export function serviceAddresses(service: k8s.V1Service, slices: k8s.V1EndpointSlice[], port: number): Address[] {
  const sp = service.spec?.ports?.find((p) => p.port === port);
  if (!sp) return [];
  const out: Address[] = [];
  for (const s of slices) {
    const target = s.ports?.find((p) => (p.name ?? '') === (sp.name ?? ''))?.port;
    if (target === undefined) continue;
    for (const e of s.endpoints) if (e.conditions?.ready !== false) for (const host of e.addresses) out.push({ host, port: target });
  }
  return out;
}

/** The ready addresses behind port `port` of Service namespace/name; none when the Service does not exist. */
export async function serviceEndpoints(apis: Pick<KubeApis, 'core' | 'discovery'>, namespace: string, name: string, port: number): Promise<Address[]> {
  const service = await apis.core.readNamespacedService({ namespace, name }).catch((e: unknown) => {
    if (isNotFound(e)) return undefined;
    throw kubeError(`read Service ${namespace}/${name}`, e);
  });
  if (!service) return [];
  const slices = await call(`list the EndpointSlices of Service ${namespace}/${name}`, () =>
    apis.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${name}` }),
  );
  return serviceAddresses(service, slices.items, port);
}
