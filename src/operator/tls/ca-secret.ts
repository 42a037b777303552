/**
 * The in-cluster CA lives in a Secret in the operator's namespace (ca.crt, ca.key, and its id in an
 * annotation), so every replica and every restart issues from the same root. Created on first use,
 * and not again once certificates were issued: see missing-ca.ts. During a CA rotation
 * (ca-rotation.ts) it also holds the staged CA (next.crt, next.key) or the replaced one
 * (previous.crt), and the rotate-ca value it is for. Each of them has its CRL beside it (ca.crl,
 * next.crl, previous.crl; ca-crl.ts keeps them fresh), and revoked.json the serials each CA id
 * revoked (so a re-signed list keeps them). Read live at every reconcile: a rotation
 * changes it, and a replica that led before must not issue from what it remembered.
 */
import type * as k8s from '@kubernetes/client-node';
import { isHoldfastError } from '../../base/errors.js';
import { call } from '../../platform/kubernetes/index.js';
import { createAuthority, createCrl, newCaId, nextCrlNumber, type CertAuthority, type RevokedEntry } from '../../tls/index.js';
import type { OperatorContext } from '../context.js';
import { createPrivateKey } from 'node:crypto';

export const CA_ID_ANNOTATION = 'holdfast.dev/ca-id';
const NEXT_ID = 'holdfast.dev/next-ca-id';
const PREVIOUS_ID = 'holdfast.dev/previous-ca-id';
const ROTATION = 'holdfast.dev/rotation';
const TEN_YEARS = 10 * 365 * 86_400_000;

export interface CaSet {
  active: CertAuthority;
  /** Staged by a rotation: in every trust bundle, not issuing yet. */
  next?: CertAuthority | undefined;
  /** Replaced by a rotation: still in every trust bundle until nothing it issued is served. */
  previous?: { id: string; certPem: string } | undefined;
  /** The rotate-ca value of the rotation in progress or last done. */
  rotation?: string | undefined;
  /** The CRLs (PEM) of active, next and previous, as the Secret holds them. */
  crls: { active?: string | undefined; next?: string | undefined; previous?: string | undefined };
  /** What each CA id revoked, as its CRL lists it (revoked.json). */
  revoked: Revoked;
  secret: k8s.V1Secret;
}

/** A revoked leaf, kept until it expires: a CRL need not list an expired certificate (RFC 5280 3.3). */
export type RevokedLeaf = RevokedEntry & { notAfter: string };
export type Revoked = Record<string, RevokedLeaf[]>;

function parseRevoked(text: string | undefined, where: string): Revoked {
  if (!text) return {};
  try {
    return JSON.parse(text) as Revoked;
  } catch {
    throw new Error(`${where}: revoked.json is not JSON; restore the CA Secret from a backup`);
  }
}

const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString() : undefined);

function authority(id: string | undefined, certPem: string | undefined, keyPem: string | undefined, where: string): CertAuthority {
  if (!certPem || !keyPem) throw new Error(`${where}: missing a certificate or its key`);
  return { id: id ?? 'unknown', root: { certPem, key: createPrivateKey(keyPem) } };
}

export function fromSecret(s: k8s.V1Secret, where: string): CaSet {
  const d = s.data ?? {};
  const a = s.metadata?.annotations ?? {};
  const next = a[NEXT_ID] && d['next.crt'] ? authority(a[NEXT_ID], b64(d['next.crt']), b64(d['next.key']), `${where} (next)`) : undefined;
  const prev = b64(d['previous.crt']);
  return {
    active: authority(a[CA_ID_ANNOTATION], b64(d['ca.crt']), b64(d['ca.key']), where),
    next,
    previous: a[PREVIOUS_ID] && prev ? { id: a[PREVIOUS_ID], certPem: prev } : undefined,
    rotation: a[ROTATION],
    crls: { active: b64(d['ca.crl']), next: next ? b64(d['next.crl']) : undefined, previous: prev ? b64(d['previous.crl']) : undefined },
    revoked: parseRevoked(b64(d['revoked.json']), where),
    secret: s,
  };
}

/** Every root a trust bundle of this issuer holds now: the active CA first, then next or previous. */
export const trustedRoots = (ca: CaSet) => [
  { id: ca.active.id, certPem: ca.active.root.certPem },
  ...(ca.next ? [{ id: ca.next.id, certPem: ca.next.root.certPem }] : []),
  ...(ca.previous ? [ca.previous] : []),
];

/** The CA in Secret `name` of the operator's namespace, or undefined when that Secret does not exist. */
export async function loadCa(ctx: OperatorContext, name: string): Promise<CaSet | undefined> {
  const namespace = ctx.settings.namespace;
  const where = `CA Secret ${namespace}/${name}`;
  try {
    return fromSecret(await call(`read ${where}`, () => ctx.apis.core.readNamespacedSecret({ namespace, name })), where);
  } catch (e) {
    if (isHoldfastError(e, 'K8S_NOT_FOUND')) return undefined;
    throw e;
  }
}

const newAuthority = (ctx: OperatorContext) => createAuthority({ id: newCaId(ctx.clock.now()), commonName: 'Holdfast in-cluster CA', algorithm: 'ecdsa-p256', lifetimeMs: TEN_YEARS }, ctx.clock);
/** The CRL of `ca` listing what it revoked that has not expired, numbered above the list it replaces. */
export const signCrl = (ca: CertAuthority, revoked: Revoked, now: Date, previous?: string) =>
  createCrl(ca, (revoked[ca.id] ?? []).filter((e) => Date.parse(e.notAfter) > now.getTime()), now, nextCrlNumber(previous, now));
const keyPem = (ca: CertAuthority) => ca.root.key.export({ type: 'pkcs8', format: 'pem' }).toString();

/** A new CA in Secret `name`; if another replica created one first, that one (never two roots). */
export async function createCa(ctx: OperatorContext, name: string): Promise<CaSet> {
  const namespace = ctx.settings.namespace;
  const where = `CA Secret ${namespace}/${name}`;
  const ca = await newAuthority(ctx);
  const body: k8s.V1Secret = {
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'holdfast' }, annotations: { [CA_ID_ANNOTATION]: ca.id } },
    type: 'Opaque',
    // A new CA publishes its (empty) CRL from the start.
    stringData: { 'ca.crt': ca.root.certPem, 'ca.key': keyPem(ca), 'ca.crl': await signCrl(ca, {}, ctx.clock.now()) },
  };
  try {
    await call(`create ${where}`, () => ctx.apis.core.createNamespacedSecret({ namespace, body }));
  } catch (x) {
    if (!isHoldfastError(x, 'K8S_CONFLICT')) throw x;
  }
  return fromSecret(await call(`read ${where}`, () => ctx.apis.core.readNamespacedSecret({ namespace, name })), where);
}

/**
 * Moves the CA Secret one rotation step on, as read (its resourceVersion: a replica that moved it
 * meanwhile makes this a conflict, and the reconcile reads again). stage: a new CA as next, for
 * rotate-ca value `rotation`; activate: next issues, the active one becomes previous; retire: previous goes.
 */
export async function advanceCa(ctx: OperatorContext, ca: CaSet, step: 'stage' | 'activate' | 'retire', rotation?: string): Promise<void> {
  const s = ca.secret;
  const where = `CA Secret ${s.metadata!.namespace}/${s.metadata!.name}`;
  const ann = { ...s.metadata!.annotations };
  const data = { ...s.data };
  const put = (k: string, v: string | undefined) => (v === undefined ? delete data[k] : (data[k] = Buffer.from(v).toString('base64')));
  if (step === 'stage') {
    const next = await newAuthority(ctx);
    put('next.crt', next.root.certPem);
    put('next.key', keyPem(next));
    ann[NEXT_ID] = next.id;
    ann[ROTATION] = rotation!;
  } else if (step === 'activate') {
    // The replaced CA's key goes, so its CRL cannot be re-signed: the last one (at least 3.5 days
    // valid) stays published while its leaves are still served, which a rotation does not outlast.
    put('previous.crl', ca.crls.active);
    put('ca.crl', ca.crls.next);
    put('next.crl', undefined);
    put('previous.crt', ca.active.root.certPem);
    put('ca.crt', ca.next!.root.certPem);
    put('ca.key', keyPem(ca.next!));
    put('next.crt', undefined);
    put('next.key', undefined);
    ann[PREVIOUS_ID] = ca.active.id;
    ann[CA_ID_ANNOTATION] = ca.next!.id;
    delete ann[NEXT_ID];
  } else {
    put('previous.crt', undefined);
    put('previous.crl', undefined);
    // No bundle trusts the retired CA any more, so what it revoked need not be listed anywhere.
    const { [ca.previous!.id]: _retired, ...revoked } = ca.revoked;
    put('revoked.json', Object.keys(revoked).length ? JSON.stringify(revoked) : undefined);
    delete ann[PREVIOUS_ID];
  }
  const body: k8s.V1Secret = { ...s, metadata: { ...s.metadata!, annotations: ann }, data };
  await call(`${step} the CA rotation in ${where}`, () => ctx.apis.core.replaceNamespacedSecret({ namespace: s.metadata!.namespace!, name: s.metadata!.name!, body }));
}
