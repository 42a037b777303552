/**
 * The certificate controller: one reconcile entry per CertificatePolicy. It keeps a
 * `kubernetes.io/tls` Secret issued by the in-cluster CA (renewal decided by the TLS engine's
 * `renewalDecision`), publishes the CA in a trust-bundle ConfigMap, and rolls the workloads that
 * mount the Secret by patching a pod-template annotation with the new serial, a budgeted few at a
 * time (`planRollout`). Private keys go only into the Secret: never into status, Events or logs.
 */
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { isHoldfastError } from '../../base/errors.js';
import { call, kubeError, mergePatch, rolloutComplete, secretUse, serviceEndpoints } from '../../platform/kubernetes/index.js';
import { commonNameConflict, issueLeaf, issuerOf, lifetimeDecision, parseDuration, parseSans, probeEndpoint, renewalDecision, type Installed, type ServingOld } from '../../tls/index.js';
import { API_VERSION, CRL_KEY, GROUP, VERSION, certificatePolicyRules, certificatePolicySpecSchema, specRefusal, type CertificatePolicySpec, type CertificatePolicyStatus } from '../api/index.js';
import type { CustomObject, OperatorContext } from '../context.js';
import type { ReconcileResult } from '../runtime/queue.js';
import { setCondition, type ConditionInput } from '../runtime/conditions.js';
import { advanceCa, CA_ID_ANNOTATION, createCa, loadCa, trustedRoots, type CaSet } from './ca-secret.js';
import { publishedCrls, refreshCaCrls, revokeLeaf } from './ca-crl.js';
import { ROTATE_CA_ANNOTATION, rotationStep, type BundleView, type LeafView, type RotationStep } from './ca-rotation.js';
import { missingCaDecision, NEW_CA_ANNOTATION } from './missing-ca.js';
import { readMountedCopies } from './mounted-copies.js';
import { planRollout, type WorkloadView } from './rollout-plan.js';
import { REISSUE_ANNOTATION, REISSUED_FOR_ANNOTATION, reissueDecision } from './reissue.js';
import { REVOKE_ANNOTATION, REVOKED_FOR_ANNOTATION, revokeVerdict } from './revoke.js';

const SPEC_HASH = 'holdfast.dev/spec-hash';
const CAP_SETTING = "the operator's --max-certificate-lifetime (Helm value certificates.maxLifetime)";
/** A new value forces one reissue with a new key (an incident after a possible key leak); acted on once (reissue.ts). */
export { REISSUE_ANNOTATION } from './reissue.js';
export const serialAnnotation = (secret: string) => `tls.holdfast.dev/${secret.slice(0, 63)}`;

const specHash = (s: CertificatePolicySpec) =>
  createHash('sha256').update(JSON.stringify([s.commonName, [...(s.dnsNames ?? [])].sort(), [...(s.ipAddresses ?? [])].sort(), s.lifetime])).digest('hex').slice(0, 16);

function installed(secret: k8s.V1Secret | undefined, hash: string): Installed | undefined {
  const d = secret?.data;
  if (!d?.['tls.crt'] || !d['tls.key']) return undefined;
  try {
    const cert = new X509Certificate(Buffer.from(d['tls.crt'], 'base64'));
    let keyMatches = false;
    try {
      keyMatches = cert.checkPrivateKey(createPrivateKey(Buffer.from(d['tls.key'], 'base64')));
    } catch {
      keyMatches = false;
    }
    return {
      notBefore: new Date(cert.validFrom),
      notAfter: new Date(cert.validTo),
      serial: cert.serialNumber.toLowerCase(),
      keyMatches,
      issuerCaId: secret!.metadata?.annotations?.[CA_ID_ANNOTATION],
      specMatches: secret!.metadata?.annotations?.[SPEC_HASH] === hash,
    };
  } catch {
    return undefined; // unparsable counts as missing: reissue
  }
}

async function upsert<T extends { metadata?: k8s.V1ObjectMeta }>(what: string, read: () => Promise<T>, create: () => Promise<unknown>, replace: (rv: string) => Promise<unknown>) {
  try {
    const old = await read();
    await call(`replace ${what}`, () => replace(old.metadata!.resourceVersion!));
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw kubeError(`read ${what}`, e);
    await call(`create ${what}`, create);
  }
}

export async function reconcileCertificatePolicy(ctx: OperatorContext, key: string): Promise<ReconcileResult> {
  const [namespace, name] = key.split('/') as [string, string];
  const obj = ctx.caches.certificatePolicies.get(name, namespace);
  if (!obj || obj.metadata?.deletionTimestamp) return {};
  const now = ctx.clock.now();
  const status: CertificatePolicyStatus = { ...((obj.status ?? {}) as CertificatePolicyStatus) };
  const before = JSON.stringify(status);
  const involved = { apiVersion: API_VERSION, kind: 'CertificatePolicy', namespace, name, uid: obj.metadata!.uid! };
  const cond = (c: ConditionInput) => (status.conditions = setCondition(status.conditions, c, now, obj.metadata?.generation));
  const write = async () => {
    if (JSON.stringify(status) === before) return;
    await call(`write status of CertificatePolicy ${key}`, () =>
      ctx.apis.custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace, plural: 'certificatepolicies', name, body: { status: { ...status, observedGeneration: obj.metadata?.generation } } }, mergePatch),
    );
  };
  const fail = async (reason: string, message: string): Promise<ReconcileResult> => {
    cond({ type: 'Ready', status: 'False', reason, message });
    await ctx.events.record(involved, 'Warning', reason, message);
    await write();
    return { requeueAfterMs: 60_000 };
  };

  try {
    const parsed = certificatePolicySpecSchema.safeParse(obj.spec);
    if (!parsed.success) return fail('InvalidSpec', `spec: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
    const spec = parsed.data;
    // What admission refuses (the CRD's CEL rules), refused here too: the object may predate the rule.
    const refused = specRefusal(certificatePolicyRules, spec);
    if (refused) return fail('InvalidSpec', refused);
    let lifetimeMs: number;
    let sans;
    try {
      lifetimeMs = parseDuration(spec.lifetime, 'spec.lifetime');
      sans = parseSans([...(spec.dnsNames ?? []), ...(spec.ipAddresses ?? [])], 'spec.dnsNames');
    } catch (e) {
      return fail('InvalidSpec', (e as Error).message);
    }
    // Refused before anything is issued, as the CLI refuses its flags: the same decisions as issueLeaf's.
    const cap = lifetimeDecision(lifetimeMs, ctx.settings.maxCertificateLifetimeMs, CAP_SETTING);
    if (cap.refuse) return fail('InvalidSpec', `spec.lifetime: ${cap.refuse}`);
    const cn = spec.commonName !== undefined ? commonNameConflict(spec.commonName, sans) : undefined;
    if (cn) return fail('InvalidSpec', `spec.commonName: ${cn}`);
    const renewBeforeMs = spec.renewBefore ? parseDuration(spec.renewBefore, 'spec.renewBefore') : undefined;
    const hash = specHash(spec);
    const secretWhere = `Secret ${namespace}/${spec.secretName}`;
    const readSecret = () => ctx.apis.core.readNamespacedSecret({ namespace, name: spec.secretName });
    let secret: k8s.V1Secret | undefined;
    try {
      secret = await readSecret();
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw kubeError(`read ${secretWhere}`, e);
    }
    if (secret && secret.type !== 'kubernetes.io/tls')
      return fail('SecretNotTLS', `${secretWhere} exists with type ${secret.type}; delete it or choose another secretName`);
    let caSet = await loadCa(ctx, spec.issuer.name);
    if (!caSet) {
      const missing = missingCaDecision({
        caSecret: `${ctx.settings.namespace}/${spec.issuer.name}`,
        tlsSecret: secretWhere,
        issuedByCaId: secret?.metadata?.annotations?.[CA_ID_ANNOTATION],
        newCaRequested: obj.metadata?.annotations?.[NEW_CA_ANNOTATION] !== undefined,
      });
      if (!missing.create) return fail(missing.reason, missing.message);
      caSet = await createCa(ctx, spec.issuer.name);
    }
    // A CA rotation moves first: a CA it activates is the one the renewal decision below issues from.
    const rotation = await rotateCa(ctx, obj, spec, caSet, involved, now);
    caSet = await refreshCaCrls(ctx, rotation.ca);
    const current = installed(secret, hash);

    // A revoke lists the installed leaf in the CRL before its replacement is issued: a crash between
    // the two repeats the (idempotent) listing, never skips it.
    const revokeAsked = obj.metadata?.annotations?.[REVOKE_ANNOTATION];
    const revoke = reissueDecision({ requested: revokeAsked, handled: status.handledRevoke, secretIssuedFor: secret?.metadata?.annotations?.[REVOKED_FOR_ANNOTATION] });
    let revokedNow = false;
    if (revoke.forced) {
      const verdict = revokeVerdict({ serial: current?.serial, issuerCaId: current?.issuerCaId, activeCaId: caSet.active.id, secret: secretWhere });
      if (verdict.revoke) {
        caSet = await revokeLeaf(ctx, caSet, { serial: current!.serial, notAfter: current!.notAfter });
        revokedNow = true;
        await ctx.events.record(involved, 'Normal', 'Revoked', `revoked serial ${current!.serial} of ${secretWhere} (keyCompromise, ${REVOKE_ANNOTATION}=${revokeAsked}): listed in the CRL of CA ${caSet.active.id}, published beside every trust bundle of issuer ${spec.issuer.name}; a new certificate with a new key replaces it`);
      } else if (verdict.reason === 'IssuerGone') await ctx.events.record(involved, 'Warning', 'NotRevoked', verdict.message);
    }
    const ca = caSet.active;
    const decision = renewalDecision({ now, installed: current, activeCaId: ca.id, ...(renewBeforeMs ? { timing: { renewBeforeMs } } : {}) });

    let serial = current?.serial;
    let times = current;
    const reissue = obj.metadata?.annotations?.[REISSUE_ANNOTATION];
    const asked = reissueDecision({ requested: reissue, handled: status.handledReissue, secretIssuedFor: secret?.metadata?.annotations?.[REISSUED_FOR_ANNOTATION] });
    const forced = asked.forced || revoke.forced;
    if (decision.renew || forced) {
      const leaf = await issueLeaf(
        { name: `${namespace}/${name}`, ...(spec.commonName ? { commonName: spec.commonName } : {}), sans, usages: ['serverAuth'], algorithm: 'ecdsa-p256', lifetimeMs, maxLifetimeMs: ctx.settings.maxCertificateLifetimeMs, capSetting: CAP_SETTING },
        ca,
        ctx.clock,
      );
      if (leaf.warning) await ctx.events.record(involved, 'Warning', 'LongLifetime', leaf.warning);
      const body: k8s.V1Secret = {
        metadata: {
          name: spec.secretName,
          namespace,
          labels: { 'app.kubernetes.io/managed-by': 'holdfast' },
          annotations: {
            [CA_ID_ANNOTATION]: ca.id,
            [SPEC_HASH]: hash,
            'holdfast.dev/certificate-policy': name,
            ...(reissue !== undefined ? { [REISSUED_FOR_ANNOTATION]: reissue } : {}),
            ...(revokeAsked !== undefined ? { [REVOKED_FOR_ANNOTATION]: revokeAsked } : {}),
          },
        },
        type: 'kubernetes.io/tls',
        stringData: { 'tls.crt': leaf.chainPem, 'tls.key': leaf.keyPem, 'ca.crt': leaf.caPem },
      };
      await upsert(secretWhere, readSecret, () => ctx.apis.core.createNamespacedSecret({ namespace, body }), (rv) =>
        ctx.apis.core.replaceNamespacedSecret({ namespace, name: spec.secretName, body: { ...body, metadata: { ...body.metadata, resourceVersion: rv } } }),
      );
      serial = leaf.serial.toLowerCase();
      times = { notBefore: leaf.notBefore, notAfter: leaf.notAfter, serial, keyMatches: true, issuerCaId: ca.id, specMatches: true };
      const verb = forced && current ? 'Reissued' : current ? 'Renewed' : 'Issued';
      const why = revoke.forced ? `annotation ${REVOKE_ANNOTATION}=${revokeAsked}: new key` : forced && !decision.renew ? `annotation ${REISSUE_ANNOTATION}=${reissue}: new key` : `${decision.reason}: ${decision.message}`;
      await ctx.events.record(involved, 'Normal', verb, `${verb.toLowerCase()} ${secretWhere} (serial ${serial}, ${why}), valid until ${leaf.notAfter.toISOString()}`);
    }
    if (asked.handled !== undefined) status.handledReissue = asked.handled;
    if (revoke.handled !== undefined) status.handledRevoke = revoke.handled;

    // A new entry in the CRL reaches every bundle of the issuer now, not at each policy's next reconcile.
    const bundles = revokedNow ? policiesOf(ctx, spec.issuer.name) : rotation.published ? [] : [{ obj, spec }];
    for (const p of bundles) if (p.spec.trustBundle) await publishBundle(ctx, p.obj.metadata!.namespace!, p.spec.trustBundle, caSet, now);

    const ann = serialAnnotation(spec.secretName);
    const candidates = [
      ...ctx.caches.deployments.list(namespace).map((w) => ({ kind: 'Deployment' as const, w })),
      ...ctx.caches.statefulSets.list(namespace).map((w) => ({ kind: 'StatefulSet' as const, w })),
    ].filter(({ kind, w }) =>
      spec.rollout.workloads
        ? spec.rollout.workloads.some((x) => x.kind === kind && x.name === w.metadata?.name)
        : secretUse(w.spec?.template.spec, spec.secretName).mounts,
    );
    for (const { kind, w } of candidates) {
      const sub = secretUse(w.spec?.template.spec, spec.secretName).subPaths;
      if (sub.length)
        await ctx.events.record(involved, 'Warning', 'SubPathMount', `${kind} ${w.metadata!.name} mounts ${secretWhere} with subPath (${sub.join(', ')}): the kubelet never refreshes it, so only a rollout delivers a renewed certificate`);
    }
    const views: WorkloadView[] = candidates.map(({ kind, w }) => ({ id: `${kind}/${w.metadata!.name}`, serial: w.spec?.template.metadata?.annotations?.[ann], complete: rolloutComplete(w) }));
    const plan = planRollout(views, serial!, spec.rollout.maxConcurrent);
    for (const id of plan.patch) {
      const [kind, wname] = id.split('/') as ['Deployment' | 'StatefulSet', string];
      const body = { spec: { template: { metadata: { annotations: { [ann]: serial } } } } };
      const patch = kind === 'Deployment'
        ? () => ctx.apis.apps.patchNamespacedDeployment({ namespace, name: wname, body }, mergePatch)
        : () => ctx.apis.apps.patchNamespacedStatefulSet({ namespace, name: wname, body }, mergePatch);
      await call(`roll ${kind} ${namespace}/${wname}`, patch);
      await ctx.events.record(involved, 'Normal', 'RolloutStarted', `rolled ${kind} ${wname} to certificate serial ${serial}`);
    }

    status.serial = serial;
    status.notBefore = times!.notBefore.toISOString();
    status.notAfter = times!.notAfter.toISOString();
    const next = renewalDecision({ now, installed: times, activeCaId: ca.id, ...(renewBeforeMs ? { timing: { renewBeforeMs } } : {}) });
    if (next.renewAt) status.renewalTime = next.renewAt.toISOString();
    status.rolledOut = plan.done;
    status.pendingRollout = [...plan.inFlight, ...plan.patch, ...plan.waiting];
    cond({ type: 'Ready', status: 'True', reason: decision.renew ? decision.reason : forced ? 'Reissued' : 'Valid', message: `${secretWhere} valid until ${status.notAfter}` });
    cond({ type: 'RolledOut', status: plan.reason === 'Complete' || plan.reason === 'NothingToRoll' ? 'True' : 'False', reason: plan.reason, message: plan.message });
    const requested = obj.metadata?.annotations?.[ROTATE_CA_ANNOTATION];
    if (rotation.step.action === 'done') status.handledRotateCa = requested;
    if (rotation.step.action !== 'none') status.caRotation = { rotation: caSet.rotation ?? requested ?? '', step: rotation.step.action, message: rotationWords(rotation.step, caSet) };
    await write();
    const untilRenew = next.renewAt ? next.renewAt.getTime() - now.getTime() : 3_600_000;
    const rotating = rotation.step.action === 'wait' ? rotation.step.retryAfterMs : rotation.step.action === 'none' || rotation.step.action === 'done' ? Infinity : 1000;
    return { requeueAfterMs: Math.min(rotating, status.pendingRollout.length ? 10_000 : Math.min(3_600_000, Math.max(1000, untilRenew))) };
  } catch (e) {
    if (isHoldfastError(e) && e.kind === 'auth') return fail('Forbidden', e.message);
    if (isHoldfastError(e) && e.kind !== 'transient') return fail('IssueFailed', e.message);
    throw e;
  }
}

const CA_IDS = 'holdfast.dev/ca-ids';
const CA_IDS_SINCE = 'holdfast.dev/ca-ids-since';
type TrustBundle = NonNullable<CertificatePolicySpec['trustBundle']>;

/**
 * Publishes the issuer's trusted roots in the trust-bundle ConfigMap (`key`, PEM, active CA first)
 * and their CRLs (`ca.crl`, ca-crl.ts), and annotates which CA ids it holds and since when: a rotation waits from then for the kubelet
 * to refresh every mounted copy.
 */
async function publishBundle(ctx: OperatorContext, namespace: string, tb: TrustBundle, ca: CaSet, now: Date): Promise<{ caIds: string[]; since: Date }> {
  const roots = trustedRoots(ca);
  const ids = roots.map((r) => r.id).join(',');
  const pem = roots.map((r) => r.certPem).join('');
  const crls = publishedCrls(ca);
  const readCm = () => ctx.apis.core.readNamespacedConfigMap({ namespace, name: tb.configMapName });
  let existing: k8s.V1ConfigMap | undefined;
  try {
    existing = await readCm();
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw kubeError(`read ConfigMap ${namespace}/${tb.configMapName}`, e);
  }
  const was = existing?.metadata?.annotations ?? {};
  const since = was[CA_IDS] === ids && was[CA_IDS_SINCE] ? was[CA_IDS_SINCE] : now.toISOString();
  if (existing?.data?.[tb.key] !== pem || existing.data[CRL_KEY] !== crls || was[CA_IDS] !== ids || was[CA_IDS_SINCE] !== since) {
    const body: k8s.V1ConfigMap = {
      metadata: { name: tb.configMapName, namespace, labels: { 'app.kubernetes.io/managed-by': 'holdfast' }, annotations: { ...was, [CA_IDS]: ids, [CA_IDS_SINCE]: since } },
      data: { ...existing?.data, [tb.key]: pem, [CRL_KEY]: crls },
    };
    await upsert(`ConfigMap ${namespace}/${tb.configMapName}`, readCm, () => ctx.apis.core.createNamespacedConfigMap({ namespace, body }), (rv) =>
      ctx.apis.core.replaceNamespacedConfigMap({ namespace, name: tb.configMapName, body: { ...body, metadata: { ...body.metadata, resourceVersion: rv } } }),
    );
  }
  return { caIds: ids.split(','), since: new Date(since) };
}

/** The CertificatePolicies of every namespace that issue from CA Secret `issuer`, with their parsed spec. */
function policiesOf(ctx: OperatorContext, issuer: string) {
  return ctx.caches.certificatePolicies.list().flatMap((p) => {
    const s = certificatePolicySpecSchema.safeParse(p.spec);
    return s.success && s.data.issuer.name === issuer ? [{ obj: p, spec: s.data, key: `${p.metadata!.namespace}/${p.metadata!.name}` }] : [];
  });
}

/**
 * One look at the issuer's CA rotation (ca-rotation.ts) from this policy's reconcile: while one is
 * asked for or in progress, the bundles of all the issuer's policies are published here (the gate
 * needs them all, not only this one's), and the CA Secret is moved on when the step says so.
 */
async function rotateCa(ctx: OperatorContext, obj: CustomObject, spec: CertificatePolicySpec, ca: CaSet, involved: Parameters<OperatorContext['events']['record']>[0], now: Date): Promise<{ ca: CaSet; step: RotationStep; published: boolean }> {
  const requested = obj.metadata?.annotations?.[ROTATE_CA_ANNOTATION];
  const handled = (obj.status as CertificatePolicyStatus | undefined)?.handledRotateCa;
  const quiet = !ca.next && !ca.previous && (requested === undefined || requested === handled);
  if (quiet) return { ca, step: { action: 'none' }, published: false };
  const issuer = spec.issuer.name;
  const reload = async () => (await loadCa(ctx, issuer)) ?? ca;
  // The addresses the last look probed, for the retire Event: what "nothing serves the old CA" rests on.
  let probed: string[] = [];
  let mountedWords = '';
  const look = async (set: CaSet) => {
    const all = policiesOf(ctx, issuer);
    const bundles: BundleView[] = [];
    const leaves: LeafView[] = [];
    for (const p of all) {
      const ns = p.obj.metadata!.namespace!;
      if (p.spec.trustBundle) bundles.push({ policy: p.key, ...(await publishBundle(ctx, ns, p.spec.trustBundle, set, now)) });
      leaves.push({ policy: p.key, ...(await leafOf(ctx, ns, p.spec.secretName, p.obj.status as CertificatePolicyStatus | undefined)) });
    }
    const delay = spec.caRotation.propagationDelay;
    // Probed only at the retire step, the one question it answers.
    const probe = set.previous && !set.next ? await probeOld(ctx, all, set.previous) : { servingOld: [], probed: [] };
    probed = probe.probed;
    const servingOld = probe.servingOld;
    // The pods' copies are read at the distribute step only, once every bundle holds the new root.
    const next = set.next;
    const mounted = next && bundles.every((b) => b.caIds.includes(next.id))
      ? await readMountedCopies(ctx, all.flatMap((p) => (p.spec.trustBundle ? [{ namespace: p.obj.metadata!.namespace!, configMap: p.spec.trustBundle.configMapName, key: p.spec.trustBundle.key, involved: { apiVersion: API_VERSION, kind: 'CertificatePolicy', namespace: p.obj.metadata!.namespace!, name: p.obj.metadata!.name!, uid: p.obj.metadata!.uid! } }] : [])), next.root.certPem)
      : [];
    const step = rotationStep({ requested, handled, ca: { activeId: set.active.id, nextId: next?.id, previousId: set.previous?.id, rotation: set.rotation }, bundles, leaves, servingOld, mounted, now, propagationDelayMs: parseDuration(delay, 'spec.caRotation.propagationDelay') });
    if (step.action === 'activate')
      mountedWords = `mounted trust bundles: ${step.mounted.confirmed} ${step.mounted.confirmed === 1 ? 'copy' : 'copies'} confirmed to hold it, ${step.mounted.unread} could not be read${step.mounted.unread ? ` (${step.mounted.unreadList})` : ''}`;
    return step;
  };
  let step = await look(ca);
  if (step.action === 'stage' || step.action === 'activate' || step.action === 'retire') {
    await advanceCa(ctx, ca, step.action, requested);
    ca = await reload();
    const words: Record<string, string> = {
      stage: `new CA ${ca.next?.id} staged for ${ROTATE_CA_ANNOTATION}=${ca.rotation}: in every trust bundle of issuer ${issuer} now, issuing after spec.caRotation.propagationDelay`,
      activate: `CA ${ca.active.id} issues now (${mountedWords}); ${ca.previous?.id} stays trusted until every certificate from it is replaced and rolled out`,
      retire: `old CA retired: the trust bundles of issuer ${issuer} hold only ${ca.active.id}; ${probed.length ? `none of ${probed.join(', ')} served a leaf from it` : 'no spec.endpoints to probe'}`,
    };
    await ctx.events.record(involved, 'Normal', `CARotation${step.action[0]!.toUpperCase()}${step.action.slice(1)}d`, words[step.action]!);
    step = await look(ca);
  }
  return { ca, step, published: true };
}

/** Every ready address behind the policies' spec.endpoints that serves a leaf from CA `old`, probed with the Service's name as SNI. */
async function probeOld(ctx: OperatorContext, policies: ReturnType<typeof policiesOf>, old: { id: string; certPem: string }): Promise<{ servingOld: ServingOld[]; probed: string[] }> {
  const issuers = new Map([[old.id, new X509Certificate(old.certPem)]]);
  const out: ServingOld[] = [];
  const probed: string[] = [];
  for (const p of policies) {
    const ns = p.obj.metadata!.namespace!;
    for (const ep of p.spec.endpoints ?? []) {
      const serverName = `${ep.service}.${ns}.svc`;
      for (const a of await serviceEndpoints(ctx.apis, ns, ep.service, ep.port)) {
        const endpoint = `${serverName}:${ep.port} (${a.host}:${a.port})`;
        probed.push(endpoint);
        const leaf = (await probeEndpoint({ ...a, serverName }, 2000)).chain[0];
        if (leaf && issuerOf(new X509Certificate(leaf.pem), issuers) === old.id) out.push({ name: p.key, endpoint, serial: leaf.serial });
      }
    }
  }
  return { servingOld: out, probed };
}

/** Which CA issued a policy's Secret, read live, and whether its workloads run that certificate. */
async function leafOf(ctx: OperatorContext, namespace: string, secretName: string, st: CertificatePolicyStatus | undefined): Promise<Omit<LeafView, 'policy'>> {
  let s: k8s.V1Secret | undefined;
  try {
    s = await ctx.apis.core.readNamespacedSecret({ namespace, name: secretName });
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw kubeError(`read Secret ${namespace}/${secretName}`, e);
  }
  const crt = s?.data?.['tls.crt'];
  const serial = crt ? new X509Certificate(Buffer.from(crt, 'base64')).serialNumber.toLowerCase() : undefined;
  const rolled = st?.conditions?.find((c) => c.type === 'RolledOut')?.status === 'True' && st.serial === serial;
  return { issuedBy: s?.metadata?.annotations?.[CA_ID_ANNOTATION], rolledOut: rolled };
}

function rotationWords(step: RotationStep, ca: CaSet): string {
  switch (step.action) {
    case 'wait':
      return step.message;
    case 'done':
      return `done: CA ${ca.active.id} issues and is the only one trusted`;
    default:
      return `${step.action} (CA ${ca.active.id}${ca.next ? `, next ${ca.next.id}` : ''}${ca.previous ? `, previous ${ca.previous.id}` : ''})`;
  }
}
