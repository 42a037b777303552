/**
 * The API's own TLS certificate: a leaf from Holdfast's CA (the same CA directory the certificate
 * policies issue from), kept in the data directory and reused until it is within a week of expiry.
 * Clients trust it through <dataDir>/tls/ca.crt.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Clock } from '../platform/clock.js';
import type { CertificatePort } from './ports.js';
import { issuedByActive } from './scheduler/certificate-job.js';

export interface ServingCert {
  cert: string;
  key: string;
  caFile: string;
  notAfter: Date;
}

async function write(path: string, data: string, mode: number): Promise<void> {
  await writeFile(path + '.tmp', data, { mode });
  await rename(path + '.tmp', path);
}

export async function servingCert(
  dataDir: string,
  host: string,
  clock: Clock,
  certs: CertificatePort,
): Promise<ServingCert> {
  const dir = join(dataDir, 'tls');
  const certPath = join(dir, 'server.crt');
  const keyPath = join(dir, 'server.key');
  const caFile = join(dir, 'ca.crt');
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    const notAfter = new Date(new X509Certificate(cert).validTo);
    // Reused unless near expiry or from a CA that no longer issues (a rotation made another active).
    const current = await issuedByActive(certPath, await certs.activeIssuer(join(dataDir, 'ca')));
    if (current && notAfter.getTime() - clock.now().getTime() > 7 * 86_400_000) return { cert, key, caFile, notAfter };
  } catch {
    // Absent or unreadable: issue a new one below.
  }
  const hosts = [
    ...new Set([host, '127.0.0.1', 'localhost'].filter((h) => h && h !== '0.0.0.0' && h !== '::')),
  ];
  const issued = await certs.issue({
    caDir: join(dataDir, 'ca'),
    commonName: 'holdfast-control-plane',
    dnsNames: hosts.filter((h) => !isIP(h)),
    ipAddresses: hosts.filter((h) => isIP(h)),
    validityMs: 90 * 86_400_000,
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await write(keyPath, issued.keyPem, 0o600);
  await write(certPath, issued.certPem, 0o644);
  await write(caFile, issued.caPem, 0o644);
  return { cert: issued.certPem, key: issued.keyPem, caFile, notAfter: issued.notAfter };
}
