/**
 * A throwaway certificate authority for the S3 test server, made with openssl: a CA, and a server
 * certificate for 127.0.0.1/localhost signed by it. Tests trust the CA through HOLDFAST_S3_CA_FILE
 * exactly as a user with a private CA would.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** `extraSans` (openssl syntax, e.g. `IP:10.89.0.1`) for clients that reach the server by another address. */
export function makeTestCa(dir: string, extraSans: string[] = []): TestCa {
  const p = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '3', '-subj', '/CN=holdfast-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1');
  const sans = ['IP:127.0.0.1', 'DNS:localhost', 'DNS:holdfast-plain.localhost', 'DNS:holdfast-locked.localhost', ...extraSans];
  writeFileSync(p('server.ext'), `subjectAltName=${sans.join(',')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  ssl('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-out', p('server.pem'), '-days', '3', '-extfile', p('server.ext'));
  return { caFile: p('ca.pem'), certFile: p('server.pem'), keyFile: p('server.key') };
}
