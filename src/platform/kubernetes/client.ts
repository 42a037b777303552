/**
 * Connecting to a cluster: a kubeconfig file, $KUBECONFIG, or the in-cluster service account, and
 * the typed API clients the operator uses. Every HTTP request (API calls and watch connections) is
 * counted, so benchmarks and tests can report the API cost of a reconcile.
 */
import * as k8s from '@kubernetes/client-node';
import { invalidInput } from '../../base/errors.js';

/** Counts requests at the one place every generated API client and Watch passes through. */
export class CountingKubeConfig extends k8s.KubeConfig {
  calls = 0;
  watches = 0;
  override async applySecurityAuthentication(context: Parameters<k8s.KubeConfig['applySecurityAuthentication']>[0]) {
    this.calls++;
    return super.applySecurityAuthentication(context);
  }
  override async applyToFetchOptions(opts: Parameters<k8s.KubeConfig['applyToFetchOptions']>[0]) {
    this.watches++;
    return super.applyToFetchOptions(opts);
  }
}

export interface KubeApis {
  kc: CountingKubeConfig;
  core: k8s.CoreV1Api;
  batch: k8s.BatchV1Api;
  apps: k8s.AppsV1Api;
  custom: k8s.CustomObjectsApi;
  coordination: k8s.CoordinationV1Api;
  discovery: k8s.DiscoveryV1Api;
}

export interface ConnectOptions {
  /** Path to a kubeconfig; $KUBECONFIG, ~/.kube/config or the in-cluster account when omitted. */
  kubeconfig?: string;
  /** An already loaded config (tests): copied, so counting starts at zero. */
  from?: k8s.KubeConfig;
}

export function connect(opts: ConnectOptions = {}): KubeApis {
  const kc = new CountingKubeConfig();
  try {
    if (opts.from) kc.loadFromString(opts.from.exportConfig());
    else if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw invalidInput('K8S_KUBECONFIG', `load kubeconfig ${opts.kubeconfig ?? '(default)'}: ${(e as Error).message}`, e);
  }
  if (!kc.getCurrentCluster())
    throw invalidInput('K8S_KUBECONFIG', `load kubeconfig ${opts.kubeconfig ?? '(default)'}: no current cluster`);
  return {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    batch: kc.makeApiClient(k8s.BatchV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    coordination: kc.makeApiClient(k8s.CoordinationV1Api),
    discovery: kc.makeApiClient(k8s.DiscoveryV1Api),
  };
}

/** Options for merge patches (client-node sends JSON patch by default). */
export const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
