/**
 * Probing: a real TLS handshake to an endpoint (host:port, SNI) that reads the chain the server
 * sends — without trusting it, because the point is to see what is served, also when it is wrong —
 * and compares it with what we expect to be served.
 */
import { X509Certificate } from 'node:crypto';
import { connect, type PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import type { Endpoint } from './inventory.js';
import { fingerprint } from './pem.js';

export interface ServedCert {
  fingerprint: string;
  serial: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** The certificate as served, for validating the chain. */
  pem: string;
}

export interface ProbeResult {
  endpoint: string;
  /** The handshake completed and a chain was read. */
  reached: boolean;
  chain: ServedCert[];
  error?: string;
}

export type Prober = (ep: Endpoint) => Promise<ProbeResult>;

export function endpointName(ep: Endpoint): string {
  return `${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${ep.port}${ep.serverName ? ` (SNI ${ep.serverName})` : ''}`;
}

function served(raw: Buffer): ServedCert {
  const c = new X509Certificate(raw);
  return {
    fingerprint: fingerprint(c),
    serial: c.serialNumber.toLowerCase(),
    subject: c.subject,
    issuer: c.issuer,
    notBefore: new Date(c.validFrom),
    notAfter: new Date(c.validTo),
    pem: c.toString(),
  };
}

/** The name a client connecting to this endpoint checks the certificate against. */
export function clientName(ep: Endpoint): string {
  return ep.serverName ?? ep.host;
}

export function probeEndpoint(ep: Endpoint, timeoutMs = 5000): Promise<ProbeResult> {
  const name = endpointName(ep);
  const servername = ep.serverName ?? (isIP(ep.host) ? undefined : ep.host);
  return new Promise((resolve) => {
    const sock = connect({
      host: ep.host,
      port: ep.port,
      rejectUnauthorized: false,
      ...(servername ? { servername } : {}),
    });
    const done = (r: ProbeResult) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () => done({ endpoint: name, reached: false, chain: [], error: `no handshake within ${timeoutMs} ms` }),
      timeoutMs,
    );
    sock.once('secureConnect', () => {
      const chain: ServedCert[] = [];
      let c: PeerCertificate | undefined = sock.getPeerCertificate(true);
      const seen = new Set<string>();
      // Node links the chain the peer sent through issuerCertificate; a self-issued one links to itself.
      while (c && c.raw && !seen.has(c.fingerprint256)) {
        seen.add(c.fingerprint256);
        chain.push(served(c.raw));
        c = (c as { issuerCertificate?: PeerCertificate }).issuerCertificate;
      }
      done({
        endpoint: name,
        reached: chain.length > 0,
        chain,
        ...(chain.length ? {} : { error: 'no certificate served' }),
      });
    });
    sock.once('error', (e: NodeJS.ErrnoException) =>
      done({ endpoint: name, reached: false, chain: [], error: e.code ?? e.message }),
    );
  });
}

export interface ChainComparison {
  matches: boolean;
  message: string;
}

/** Compares a served chain with the expected tls.crt (leaf + intermediates, in order). */
export function compareServed(result: ProbeResult, expectedChainPem: string[]): ChainComparison {
  if (!result.reached)
    return { matches: false, message: `${result.endpoint}: ${result.error ?? 'unreachable'}` };
  const want = expectedChainPem.map((p) => fingerprint(p));
  const got = result.chain.map((c) => c.fingerprint);
  const leaf = result.chain[0]!;
  if (got[0] !== want[0])
    return {
      matches: false,
      message: `${result.endpoint} serves serial ${leaf.serial} (${leaf.subject.replace(/\n/g, ',')}), expected serial ${new X509Certificate(expectedChainPem[0]!).serialNumber.toLowerCase()}`,
    };
  for (let i = 1; i < want.length; i++)
    if (got[i] !== want[i])
      return {
        matches: false,
        message: `${result.endpoint} serves the expected leaf but not the expected intermediate #${i}`,
      };
  return { matches: true, message: `${result.endpoint} serves serial ${leaf.serial}` };
}
