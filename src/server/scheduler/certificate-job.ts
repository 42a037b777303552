/**
 * A certificate policy's check: read the certificate written on disk, renew it from Holdfast's CA
 * when policy/schedule-health says so (missing, expired, inside the renewal window), write key and
 * certificate atomically (key 0600, key first so a reader never pairs a new cert with an old key
 * for long — the service's hot reload re-reads both), tell the workload to reload, then probe the
 * endpoint to see which certificate it actually serves.
 */
import { X509Certificate } from 'node:crypto';
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isIP } from 'node:net';
import { conflict } from '../../base/errors.js';
import type { EvidenceStore } from '../../catalog/evidence.js';
import { certificateCapSetting, type CertificateConfig, type LoadedConfig } from '../../config/index.js';
import type { Clock } from '../../platform/clock.js';
import { describeResult } from '../../platform/local/exec.js';
import { decideRenewal } from '../../policy/schedule-health.js';
import { judgeServed, probeEndpoint, splitPem, type ServedReason } from '../../tls/index.js';
import type { Alerter } from '../alerts/alerter.js';
import type { CertificatePort } from '../ports.js';
import { reloadGate } from '../workloads/decide.js';
import type { WorkloadSupervisor } from '../workloads/supervisor.js';
import { syncBundleFile } from './bundle-file.js';
import { decideBundleGate } from './bundle-gate.js';
import type { Job, RunContext } from './scheduler.js';

export interface ServedCertificate {
  time: Date;
  fingerprint256?: string | undefined;
  notAfter?: Date | undefined;
  /** Why clients would reject what is served (or cannot reach it); undefined when they accept it. */
  error?: string | undefined;
  reason?: ServedReason | undefined;
}

/** What a certificate waits for before its next renewal (a rotation's propagation), for status and the dashboard. */
export interface CertificateWait {
  for: string;
  until: Date;
}

/** What probing needs: the clock, the CA's bundle, where probes are kept, where changes are recorded and alerted. */
export interface ProbeDeps {
  d: { clock: Clock; certs: Pick<CertificatePort, 'trustBundle'> };
  dataDir: string;
  served: Map<string, ServedCertificate>;
  evidence: Pick<EvidenceStore, 'addCertificateEvent'>;
  alerter: Pick<Alerter, 'fire'>;
}

/** What a certificate job needs of the control plane (the control plane is one; nothing here imports it). */
export interface CertificateJobDeps extends ProbeDeps {
  d: { clock: Clock; loaded: Pick<LoadedConfig, 'resolvePath'>; certs: CertificatePort };
  waits: Map<string, CertificateWait>;
  workloads: ReadonlyMap<string, Pick<WorkloadSupervisor, 'status' | 'whenReady' | 'reload'>>;
}

export async function readWrittenCert(
  path: string,
): Promise<{ notAfter: Date; fingerprint256: string; serial: string } | undefined> {
  try {
    const c = new X509Certificate(await readFile(path));
    return { notAfter: new Date(c.validTo), fingerprint256: c.fingerprint256, serial: c.serialNumber };
  } catch {
    return undefined;
  }
}

/** Whether the certificate at `path` was signed by `issuerPem`; true when there is no CA to compare with. */
export async function issuedByActive(path: string, issuerPem: string | undefined): Promise<boolean> {
  if (!issuerPem) return true;
  try {
    const c = new X509Certificate(await readFile(path));
    const issuer = new X509Certificate(issuerPem);
    return c.checkIssued(issuer) && c.verify(issuer.publicKey);
  } catch {
    return true; // unreadable: decideRenewal already says Missing
  }
}

async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path + '.holdfast-tmp', data, { mode });
  await rename(path + '.holdfast-tmp', path);
}

/** The name a client of this certificate's endpoint connects with. */
const clientNameOf = (cert: CertificateConfig) => cert.dnsNames[0] ?? cert.ipAddresses[0] ?? cert.commonName;

/** A config's `host:port` as the probe takes it, with the name clients send as SNI (none for an IP). */
export function endpointOf(endpoint: string, clientName: string): { host: string; port: number; serverName?: string } {
  const i = endpoint.lastIndexOf(':');
  return { host: endpoint.slice(0, i), port: Number(endpoint.slice(i + 1)), ...(isIP(clientName) ? {} : { serverName: clientName }) };
}

/**
 * Probes an endpoint as its clients would judge it (src/tls/served.ts): the chain must reach a root
 * of the CA's trust bundle, be valid now and carry the name clients use. A certificate they would
 * reject is recorded with `error` saying why, so no view shows green over it.
 */
export async function probeServed(
  endpoint: string,
  clientName: string,
  trustBundlePem: string,
  now: Date,
  timeoutMs = 5000,
): Promise<Omit<ServedCertificate, 'time'>> {
  const r = await probeEndpoint(endpointOf(endpoint, clientName), timeoutMs);
  const leaf = r.chain[0];
  if (!leaf) return { error: r.error ?? 'no certificate served', reason: 'Unreachable' };
  const v = judgeServed(r, { now, trustedRootsPem: splitPem(trustBundlePem), name: clientName });
  const fingerprint256 = new X509Certificate(leaf.pem).fingerprint256;
  return { fingerprint256, notAfter: leaf.notAfter, reason: v.reason, ...(v.ok ? {} : { error: v.message }) };
}

export async function probeAndRecord(
  cp: ProbeDeps,
  name: string,
  cert: CertificateConfig,
  log?: RunContext['log'],
): Promise<ServedCertificate | undefined> {
  if (!cert.endpoint) return undefined;
  const clientName = clientNameOf(cert);
  const bundle = await cp.d.certs.trustBundle(join(cp.dataDir, 'ca'));
  const r = {
    ...(await probeServed(cert.endpoint, clientName, bundle, cp.d.clock.now())),
    time: cp.d.clock.now(),
  };
  const previous = cp.served.get(name);
  cp.served.set(name, r);
  if (r.fingerprint256 && r.fingerprint256 !== previous?.fingerprint256) {
    cp.evidence.addCertificateEvent({
      name,
      time: r.time,
      action: 'probed',
      serial: undefined,
      fingerprint: r.fingerprint256,
      notAfter: r.notAfter,
      message: `${cert.endpoint} serves ${r.fingerprint256.slice(0, 23)}…${r.error ? `: ${r.error}` : ''}`,
    });
  }
  // Once per served certificate and reason (the alerter de-duplicates by key): what clients reject.
  if (r.fingerprint256 && r.error)
    cp.alerter.fire({
      event: 'certificate-served-invalid',
      key: `${name}:${r.reason}:${r.fingerprint256}`,
      severity: 'critical',
      summary: `certificate ${name}: ${r.error}`,
      details: { certificate: name, endpoint: cert.endpoint, reason: r.reason, notAfter: r.notAfter?.toISOString() },
    });
  log?.(
    r.error ? 'warn' : 'info',
    r.error
      ? `probe ${cert.endpoint}: ${r.error}`
      : `${cert.endpoint} serves ${r.fingerprint256!.slice(0, 23)}… until ${r.notAfter!.toISOString()}`,
  );
  return r;
}

export function certificateJob(cp: CertificateJobDeps, name: string, cert: CertificateConfig): Job {
  return {
    id: `certificate/${name}`,
    kind: 'certificate',
    policy: name,
    target: name,
    schedule: cert.schedule,
    timeoutMs: 5 * 60_000,
    missedAfterMs: 5 * 60_000,
    // Issue at start-up when missing: a service cannot start serving TLS without one.
    runAtStart: true,
    async execute(ctx) {
      const certPath = cp.d.loaded.resolvePath(cert.certFile);
      const written = await readWrittenCert(certPath);
      const caDir = join(cp.dataDir, 'ca');
      const caFile = cert.caFile ? cp.d.loaded.resolvePath(cert.caFile) : undefined;
      const bundle = caFile ? await syncBundleFile(caFile, await cp.d.certs.trustBundle(caDir)) : undefined;
      if (bundle?.wrote) ctx.log('info', `${name}: wrote the CA's trusted roots to ${caFile}`);
      const byExpiry = decideRenewal({
        notAfter: written?.notAfter,
        now: cp.d.clock.now(),
        renewBefore: cert.renewBefore,
      });
      // A CA rotation (holdfast tls rotate-ca, or serve's own) made another CA the issuing one: the
      // rotation cannot retire the old root while this leaf lives, so renew it from the active CA,
      // once the caFile's clients have had the new root for the propagation period.
      const fromOtherCa = written !== undefined && !(await issuedByActive(certPath, await cp.d.certs.activeIssuer(caDir)));
      const gate = decideBundleGate({
        now: cp.d.clock.now(),
        propagationMs: await cp.d.certs.propagationMs(caDir),
        issuerChanges: fromOtherCa,
        broken: byExpiry.reason === 'Missing' || byExpiry.reason === 'Expired',
        bundleSince: bundle?.since,
        bundlePath: caFile,
      });
      const d =
        gate.reason === 'AwaitingPropagation'
          ? gate
          : fromOtherCa && byExpiry.reason === 'Valid'
            ? { reason: 'IssuerChanged' as const, message: 'issued by a CA that no longer issues; renewing from the active CA' }
            : byExpiry;
      if (gate.until) cp.waits.set(name, { for: gate.message, until: gate.until });
      else cp.waits.delete(name);
      ctx.log('info', `${name}: ${d.reason}: ${d.message}`);
      let renewed: string | undefined;
      let issuedFingerprint: string | undefined;
      if (d.reason !== 'Valid' && d.reason !== 'AwaitingPropagation') {
        const issued = await cp.d.certs.issue({
          caDir,
          inventoryName: `serve/${name}`,
          ...(written ? { replaces: written.serial } : {}),
          ...(cert.endpoint ? { endpoint: endpointOf(cert.endpoint, clientNameOf(cert)) } : {}),
          commonName: cert.commonName,
          dnsNames: cert.dnsNames,
          ipAddresses: cert.ipAddresses,
          validityMs: cert.validity,
          maxValidity: { ms: cert.maxValidity, setting: certificateCapSetting(name) },
        });
        await writeAtomic(cp.d.loaded.resolvePath(cert.keyFile), issued.keyPem, 0o600);
        await writeAtomic(certPath, issued.certPem, 0o644);
        if (caFile) await syncBundleFile(caFile, issued.caPem);
        const action = written ? 'renewed' : 'issued';
        cp.evidence.addCertificateEvent({
          name,
          time: cp.d.clock.now(),
          action,
          serial: issued.serial,
          fingerprint: issued.fingerprint256,
          notAfter: issued.notAfter,
          message: `${action}: ${d.message}`,
        });
        ctx.log(
          'info',
          `${name}: ${action} serial ${issued.serial}, valid until ${issued.notAfter.toISOString()}`,
        );
        if (issued.warning) ctx.log('warn', `${name}: ${issued.warning}`);
        renewed = issued.serial;
        issuedFingerprint = issued.fingerprint256;
      }
      const workload = cert.workload ? cp.workloads.get(cert.workload) : undefined;
      if (workload && !(await readyForReload(workload, name, renewed, ctx))) return { details: { decision: d.reason, renewed, reloaded: false } };
      if (renewed && workload) {
        const r = await workload.reload();
        if (r) ctx.log(r.exitCode === 0 ? 'info' : 'warn', `reload ${cert.workload}: ${describeResult(r)}`);
      }
      const served = await probeSettled(cp, name, cert, renewed ? issuedFingerprint : undefined, ctx.log);
      return {
        details: { decision: d.reason, renewed, served: served?.fingerprint256, servedError: served?.error },
      };
    },
  };
}

/**
 * Probes the endpoint; after a renewal, again for a few seconds until it serves the new
 * certificate: the reload is a signal the workload handles when it gets to it, so a probe at once
 * may still meet the old one and record a mismatch that lasts until the next check.
 */
async function probeSettled(
  cp: ProbeDeps,
  name: string,
  cert: CertificateConfig,
  expected: string | undefined,
  log: RunContext['log'],
): Promise<ServedCertificate | undefined> {
  for (let i = 0; expected && i < 15; i++) {
    const r = await probeAndRecord(cp, name, cert);
    if (!r || r.fingerprint256 === expected) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return probeAndRecord(cp, name, cert, log);
}

/**
 * Waits, when the workload is on its way up, until it serves: a reload signal sent before then
 * kills it. False when it does not run on purpose (stopped, held by an incident: it reads the new
 * files when it starts); throws WORKLOAD_NOT_READY when it is down or does not come up in time.
 */
async function readyForReload(
  w: Pick<WorkloadSupervisor, 'status' | 'whenReady'>,
  cert: string,
  renewed: string | undefined,
  ctx: RunContext,
): Promise<boolean> {
  const before = w.status();
  let gate = reloadGate(before.state);
  const then = renewed ? 'reloading it' : 'probing its endpoint';
  if (gate === 'wait') {
    ctx.log('info', `${cert}: workload ${before.name} is ${before.state} (${before.message}): waiting until it is ready before ${then}`);
    gate = (await w.whenReady(READY_WAIT_MS)) ? 'now' : 'fail';
  }
  if (gate === 'now') return true;
  const now = w.status();
  if (gate === 'skip') {
    ctx.log('info', `${cert}: workload ${now.name} is ${now.state} (${now.message}): not ${then}; it reads the certificate files when it starts`);
    return false;
  }
  throw conflict(
    'WORKLOAD_NOT_READY',
    `${cert}: ${renewed ? `renewed (serial ${renewed}), but ` : ''}workload ${now.name} is not ready: ${now.state}: ${now.message}; ${renewed ? 'not reloaded, it reads the new files when it starts' : 'the certificate it serves is unknown'}`,
  );
}

/** How long a certificate run waits for its workload to come up (a start, or a restart's backoff and start). */
const READY_WAIT_MS = 90_000;
