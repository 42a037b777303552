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
import { connect } from 'node:tls';
import type { CertificateConfig } from '../../config/index.js';
import { describeResult } from '../../platform/local/exec.js';
import { decideRenewal } from '../../policy/schedule-health.js';
import type { ControlPlane, ServedCertificate } from '../control-plane.js';
import type { Job, RunContext } from './scheduler.js';

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

async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path + '.holdfast-tmp', data, { mode });
  await rename(path + '.holdfast-tmp', path);
}

export function probeServed(
  endpoint: string,
  servername: string | undefined,
  timeoutMs = 5000,
): Promise<Omit<ServedCertificate, 'time'>> {
  const i = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, i);
  const port = Number(endpoint.slice(i + 1));
  return new Promise((resolve) => {
    const sock = connect({
      host,
      port,
      servername: servername && !/^[\d.]+$/.test(servername) ? servername : undefined,
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    const done = (r: Omit<ServedCertificate, 'time'>) => {
      sock.destroy();
      resolve(r);
    };
    sock.once('secureConnect', () => {
      const c = sock.getPeerCertificate();
      done(
        c && c.fingerprint256
          ? { fingerprint256: c.fingerprint256, notAfter: new Date(c.valid_to) }
          : { error: 'no certificate served' },
      );
    });
    sock.once('timeout', () => done({ error: `no TLS handshake within ${timeoutMs} ms` }));
    sock.once('error', (e: NodeJS.ErrnoException) => done({ error: e.code ?? e.message }));
  });
}

export async function probeAndRecord(
  cp: ControlPlane,
  name: string,
  cert: CertificateConfig,
  log?: RunContext['log'],
): Promise<ServedCertificate | undefined> {
  if (!cert.endpoint) return undefined;
  const r = {
    ...(await probeServed(cert.endpoint, cert.dnsNames[0] ?? cert.commonName)),
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
      message: `${cert.endpoint} serves ${r.fingerprint256.slice(0, 23)}…`,
    });
  }
  log?.(
    r.error ? 'warn' : 'info',
    r.error
      ? `probe ${cert.endpoint}: ${r.error}`
      : `${cert.endpoint} serves ${r.fingerprint256!.slice(0, 23)}… until ${r.notAfter!.toISOString()}`,
  );
  return r;
}

export function certificateJob(cp: ControlPlane, name: string, cert: CertificateConfig): Job {
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
      const d = decideRenewal({
        notAfter: written?.notAfter,
        now: cp.d.clock.now(),
        renewBefore: cert.renewBefore,
      });
      ctx.log('info', `${name}: ${d.reason}: ${d.message}`);
      let renewed: string | undefined;
      if (d.reason !== 'Valid') {
        const issued = await cp.d.certs.issue({
          caDir: join(cp.dataDir, 'ca'),
          commonName: cert.commonName,
          dnsNames: cert.dnsNames,
          ipAddresses: cert.ipAddresses,
          validityMs: cert.validity,
        });
        await writeAtomic(cp.d.loaded.resolvePath(cert.keyFile), issued.keyPem, 0o600);
        await writeAtomic(certPath, issued.certPem, 0o644);
        if (cert.caFile) await writeAtomic(cp.d.loaded.resolvePath(cert.caFile), issued.caPem, 0o644);
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
        renewed = issued.serial;
        const service = cert.workload ? cp.services.get(cert.workload) : undefined;
        const r = await service?.reload();
        if (r) ctx.log(r.exitCode === 0 ? 'info' : 'warn', `reload ${cert.workload}: ${describeResult(r)}`);
      }
      const served = await probeAndRecord(cp, name, cert, ctx.log);
      return {
        details: { decision: d.reason, renewed, served: served?.fingerprint256, servedError: served?.error },
      };
    },
  };
}
