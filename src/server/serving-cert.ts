/**
 * The API's own TLS certificate: a leaf from Holdfast's CA (the same CA directory the certificate
 * policies issue from), kept in the data directory. Clients trust it through <dataDir>/tls/ca.crt,
 * which is kept equal to the CA's trusted set.
 *
 * Checked at start and then periodically while serve runs: renewed within a week of expiry, and
 * after a CA rotation made another CA the issuing one — once ca.crt has held the new root for the
 * propagation period (bundle-gate.ts) — and handed to the running HTTPS server without a restart.
 * A rotation's retire gate waits for this leaf like any other (it is in the CA's issued log).
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Clock } from '../platform/clock.js';
import type { CertificatePort } from './ports.js';
import { syncBundleFile } from './scheduler/bundle-file.js';
import { decideBundleGate } from './scheduler/bundle-gate.js';
import { issuedByActive, type CertificateWait } from './scheduler/certificate-job.js';

export interface ServingCert {
  cert: string;
  key: string;
  caFile: string;
  notAfter: Date;
}

/** The API certificate's commonName. */
export const SERVING_CERT_NAME = 'holdfast-control-plane';
/**
 * Its name in the CA's issued log. Not `serve/api`: a certificate policy named `api` is recorded
 * as that, and two certificates under one name hide each other from a rotation's retire gate (the
 * newest supersedes), which then retired the root still signing the older one. No policy name can
 * hold a colon. An older serve's `serve/api` record is ended by this one's `replaces`.
 */
export const SERVING_CERT_RECORD = 'serve:api';
const RENEW_BEFORE_MS = 7 * 86_400_000;

async function write(path: string, data: string, mode: number): Promise<void> {
  await writeFile(path + '.tmp', data, { mode });
  await rename(path + '.tmp', path);
}

export class ServingCertKeeper {
  /** What the next renewal waits for (a rotation's propagation), for status and the dashboard. */
  wait: CertificateWait | undefined;
  private readonly dir: string;
  private readonly caDir: string;

  constructor(
    private readonly o: { dataDir: string; host: string; clock: Clock; certs: CertificatePort },
  ) {
    this.dir = join(o.dataDir, 'tls');
    this.caDir = join(o.dataDir, 'ca');
  }

  /** The certificate to serve; `renewed` when it differs from what the files held before. */
  async check(): Promise<ServingCert & { renewed: boolean }> {
    const { clock, certs } = this.o;
    const certPath = join(this.dir, 'server.crt');
    const keyPath = join(this.dir, 'server.key');
    const caFile = join(this.dir, 'ca.crt');
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const bundle = await syncBundleFile(caFile, await certs.trustBundle(this.caDir));
    const current = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]).catch(() => undefined);
    if (current) {
      const [cert, key] = current;
      const notAfter = new Date(new X509Certificate(cert).validTo);
      const left = notAfter.getTime() - clock.now().getTime();
      const fromOtherCa = !(await issuedByActive(certPath, await certs.activeIssuer(this.caDir)));
      const gate = decideBundleGate({
        now: clock.now(),
        propagationMs: await certs.propagationMs(this.caDir),
        issuerChanges: fromOtherCa,
        broken: left <= 0,
        bundleSince: bundle.since,
        bundlePath: caFile,
      });
      this.wait = gate.until ? { for: gate.message, until: gate.until } : undefined;
      if ((!fromOtherCa && left > RENEW_BEFORE_MS) || gate.until) return { cert, key, caFile, notAfter, renewed: false };
    }
    const hosts = [
      ...new Set([this.o.host, '127.0.0.1', 'localhost'].filter((h) => h && h !== '0.0.0.0' && h !== '::')),
    ];
    const issued = await certs.issue({
      caDir: this.caDir,
      inventoryName: SERVING_CERT_RECORD,
      ...(current ? { replaces: new X509Certificate(current[0]).serialNumber } : {}),
      commonName: SERVING_CERT_NAME,
      dnsNames: hosts.filter((h) => !isIP(h)),
      ipAddresses: hosts.filter((h) => isIP(h)),
      validityMs: 90 * 86_400_000,
    });
    await write(keyPath, issued.keyPem, 0o600);
    await write(certPath, issued.certPem, 0o644);
    await syncBundleFile(caFile, issued.caPem);
    return { cert: issued.certPem, key: issued.keyPem, caFile, notAfter: issued.notAfter, renewed: true };
  }
}
