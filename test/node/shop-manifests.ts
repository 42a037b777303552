/**
 * What a user applies to run the example shop (examples/shop) on the real node and protect it with
 * Holdfast: its data on a PVC bound to a hostPath PV (owned by uid 999, mode 0700, as PostgreSQL
 * keeps its data directory), HTTPS from Holdfast's CA through a CertificatePolicy, and two
 * BackupPolicies with the data mover running as the volume's owner: one into a repository on S3
 * (versitygw, through the cluster network, its certificate from a private CA the repository Secret
 * carries), one into a repository on a volume.
 *
 * The shop runs on the Holdfast image's Node: its TypeScript is transpiled here and mounted from a
 * ConfigMap, so the image stays exactly what the project ships.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import ts from 'typescript';

export const NS = 'shop';
const deploy = new URL('../../deploy/', import.meta.url).pathname;
interface Manifest { kind: string; spec: { template: { spec: { containers: { image: string; imagePullPolicy?: string; args: string[] }[] } } } }

/** The volume's owner, as the PostgreSQL image's postgres user. */
export const OWNER = 999;
export const PASSWORD = 'shop-repository-password';

const list = (...items: object[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

/** A PV of 1Gi reserved for one claim, so the binding is never a guess; `source` is its volume source and class. */
export const reservedPv = (name: string, claim: { namespace: string; name: string }, source: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: claim, ...source },
});

/** A hostPath PV reserved for a claim of the shop. */
export const hostPathPv = (name: string, path: string, claim: string, type = 'Directory') =>
  reservedPv(name, { namespace: NS, name: claim }, { storageClassName: 'manual', hostPath: { path, type } });

const pvc = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: NS, labels },
  spec: { storageClassName: 'manual', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
});

const shopJs = () =>
  ts.transpileModule(readFileSync(new URL('../../examples/shop/server.ts', import.meta.url), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;

/** Namespace, volumes, repository Secret, the shop's certificate policy and the shop itself. */
export function shopManifests(o: { image: string; dataDir: string; repoDir: string; s3: { url: string; accessKeyId: string; secretAccessKey: string; ca: string } }): string {
  const asOwner = { runAsUser: OWNER, runAsGroup: OWNER, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
  return list(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    hostPathPv('shop-data', o.dataDir, 'data'),
    pvc('data', { backup: 'holdfast' }),
    hostPathPv('shop-repo', o.repoDir, 'repo'),
    pvc('repo'),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'holdfast-repo', namespace: NS },
      stringData: { password: PASSWORD, accessKeyId: o.s3.accessKeyId, secretAccessKey: o.s3.secretAccessKey, 'ca.crt': o.s3.ca },
    },
    {
      apiVersion: 'holdfast.dev/v1alpha1',
      kind: 'BackupRepository',
      metadata: { name: 's3', namespace: NS },
      spec: { url: o.s3.url, s3: { region: 'us-east-1' }, credentials: { secretName: 'holdfast-repo', accessKeyIdKey: 'accessKeyId', secretAccessKeyKey: 'secretAccessKey', caKey: 'ca.crt' } },
    },
    {
      apiVersion: 'holdfast.dev/v1alpha1',
      kind: 'BackupRepository',
      metadata: { name: 'volume', namespace: NS },
      spec: { url: '/repo', volume: { claimName: 'repo' }, credentials: { secretName: 'holdfast-repo' } },
    },
    {
      apiVersion: 'holdfast.dev/v1alpha1',
      kind: 'CertificatePolicy',
      metadata: { name: 'shop', namespace: NS },
      // A CA rotation retires the old root only once the shop's pods, probed through the Service's EndpointSlices, serve the new CA's leaf.
      spec: { secretName: 'shop-tls', dnsNames: [`shop.${NS}.svc`, `shop.${NS}.svc.cluster.local`], trustBundle: { configMapName: 'shop-ca' }, endpoints: [{ service: 'shop', port: 443 }] },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop-server', namespace: NS }, data: { 'server.mjs': shopJs() } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'shop', namespace: NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'shop' } },
        // A new pod serves before the old one goes: a certificate roll drops no client.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels: { app: 'shop' } },
          spec: {
            securityContext: asOwner,
            terminationGracePeriodSeconds: 10,
            containers: [
              {
                name: 'shop',
                image: o.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['node', '/shop/server.mjs'],
                args: ['--data-dir', '/data', '--cert-dir', '/tls', '--host', '0.0.0.0', '--port', '8443'],
                ports: [{ containerPort: 8443, name: 'https' }],
                readinessProbe: { httpGet: { scheme: 'HTTPS', path: '/healthz', port: 8443 }, periodSeconds: 1 },
                // Keeps serving while kube-proxy drops the endpoint of a pod being replaced.
                lifecycle: { preStop: { sleep: { seconds: 3 } } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [
                  { name: 'data', mountPath: '/data' },
                  { name: 'tls', mountPath: '/tls', readOnly: true },
                  { name: 'server', mountPath: '/shop', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
              { name: 'tls', secret: { secretName: 'shop-tls' } },
              { name: 'server', configMap: { name: 'shop-server' } },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'shop', namespace: NS },
      spec: { selector: { app: 'shop' }, ports: [{ name: 'https', port: 443, targetPort: 8443 }] },
    },
  );
}

/**
 * The two policies. Hooks bracket the S3 backup: the pre hook writes a checkpoint into the volume
 * (it must be in the backup), the post hook leaves a mark in the pod (it ran after the copy).
 */
export function backupPolicies(): string {
  const common = {
    schedule: '0 3 * * *',
    // Suspended: no scheduled run may start mid-test; the manual trigger still runs.
    suspend: true,
    selector: { matchLabels: { backup: 'holdfast' } },
    dataMover: { podSecurityContext: { runAsUser: OWNER, runAsGroup: OWNER } },
  };
  return list(
    {
      apiVersion: 'holdfast.dev/v1alpha1',
      kind: 'BackupPolicy',
      metadata: { name: 'to-s3', namespace: NS },
      spec: {
        ...common,
        repository: 's3',
        hooks: {
          pre: [{ name: 'checkpoint', command: ['sh', '-c', 'echo checkpoint > /data/checkpoint'] }],
          post: [{ name: 'resume', command: ['sh', '-c', 'touch /tmp/post-hook-ran'] }],
        },
      },
    },
    { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name: 'to-volume', namespace: NS }, spec: { ...common, repository: 'volume' } },
  );
}

/** A Restore of `point`; a new PVC is restored as root with the capabilities docs/kubernetes.md names. */
export function restore(name: string, point: string, target: { mode: 'NewPVC'; pvcName: string } | { mode: 'InPlace' }): string {
  const asRoot = { securityContext: { runAsUser: 0, runAsGroup: 0, capabilities: { add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID'] } } };
  return list({
    apiVersion: 'holdfast.dev/v1alpha1',
    kind: 'Restore',
    metadata: { name, namespace: NS },
    spec: { restorePoint: point, target, ...(target.mode === 'NewPVC' ? { dataMover: asRoot } : {}) },
  });
}

/** A pod running `command` on the Holdfast image with the shop's trust bundle mounted at /ca, as any client of the shop would. */
export function tlsClientPod(name: string, image: string, command: string[]): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      restartPolicy: 'Never',
      securityContext: { runAsUser: 65534, runAsGroup: 65534, runAsNonRoot: true },
      containers: [{ name: 'client', image, imagePullPolicy: 'IfNotPresent', command, volumeMounts: [{ name: 'ca', mountPath: '/ca', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }] }],
      volumes: [{ name: 'ca', configMap: { name: 'shop-ca' } }, { name: 'tmp', emptyDir: {} }],
    },
  });
}

/** deploy/operator as shipped, with the image the test built (imported, so never pulled) and `extraArgs` for the operator. */
export function operatorManifests(image: string, extraArgs: string[] = []): string {
  const items = readdirSync(join(deploy, 'operator'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(deploy, 'operator', f), 'utf8')).map((d) => d.toJS() as Manifest));
  for (const o of items) {
    if (o.kind !== 'Deployment') continue;
    for (const c of o.spec.template.spec.containers) {
      c.image = image;
      c.imagePullPolicy = 'IfNotPresent';
      c.args = [...c.args.map((a: string, i: number) => (c.args[i - 1] === '--data-mover-image' ? image : a)), ...extraArgs];
    }
  }
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}
