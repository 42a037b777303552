/**
 * `holdfast tls ...`: the private CA on one machine. This file only declares the commands; what
 * they do is in tls-actions.ts, imported when one of them runs.
 */
import type { Command } from 'commander';

const collect = (v: string, prev: string[] = []) => [...prev, v];
const DEFAULT_CA_DIR = './holdfast-ca';
const ALGORITHMS = 'ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096, ed25519';
const actions = () => import('./tls-actions.js');

export function registerTlsCommands(program: Command): void {
  const tls = program
    .command('tls')
    .description('private CA: issue, renew, rotate and probe TLS certificates');
  const caDirOpt = ['--ca-dir <dir>', 'CA directory', DEFAULT_CA_DIR] as const;
  const lockWaitOpt = [
    '--lock-wait <duration>',
    'how long to wait for another process changing the CA directory (0: fail at once with TLS_CA_LOCKED)',
    '2m',
  ] as const;

  tls
    .command('init-ca')
    .description('create a CA directory with a new root (and optional intermediate)')
    .option(...caDirOpt)
    .option(...lockWaitOpt)
    .option('--common-name <cn>', 'CA name', 'Holdfast CA')
    .option('--algorithm <alg>', `key algorithm: ${ALGORITHMS}`, 'ecdsa-p256')
    .option('--lifetime <duration>', 'root lifetime', '3650d')
    .option('--intermediate', 'issue leaves from an intermediate', false)
    .action(async (o) => (await actions()).initCa(o));

  tls
    .command('issue')
    .description(
      'issue a certificate: from its inventory spec, or define/replace the spec with flags (--out-dir)',
    )
    .requiredOption('--name <name>', 'certificate name')
    .option(...caDirOpt)
    .option(...lockWaitOpt)
    .option('--dns <name>', 'DNS SAN (repeatable)', collect)
    .option('--ip <addr>', 'IP SAN (repeatable)', collect)
    .option('--uri <uri>', 'URI SAN (repeatable)', collect)
    .option('--san <san>', 'SAN as DNS:x, IP:x, URI:x or bare (repeatable)', collect)
    .option('--common-name <cn>', 'subject CN')
    .option('--usage <list>', 'serverAuth,clientAuth (default: serverAuth)')
    .option('--algorithm <alg>', 'key algorithm (default: ecdsa-p256)')
    .option('--lifetime <duration>', 'lifetime, at most the inventory\'s maxLifetime (default: 90d)')
    .option('--renew-before <duration>', 'renew this long before expiry (default: at 2/3 of the lifetime)')
    .option('--keep-key', 'keep the key on renewal (default: a new key every time)')
    .option('--trust-only', 'a consumer that only receives the trust bundle')
    .option('--out-dir <dir>', 'where tls.crt, tls.key, ca.crt, trust-bundle.pem go')
    .option('--reload-command <cmd>', 'shell command that reloads the workload')
    .option('--reload-signal <sig>', 'signal to send, with --pid-file')
    .option('--pid-file <file>', 'pid file of the workload')
    .option('--probe <host:port>', 'endpoint that serves this certificate')
    .option('--sni <name>', 'server name to send when probing')
    .action(async (o) => (await actions()).issue(o));

  tls
    .command('renew')
    .description('renew the certificates that are due, within the renewal budget')
    .option(...caDirOpt)
    .option(...lockWaitOpt)
    .option('--name <name>', 'only this certificate (repeatable)', collect)
    .option('--force', 'renew now even if not due', false)
    .option('--dry-run', 'print the plan only', false)
    .action(async (o) => (await actions()).renew(o));

  tls
    .command('rotate-ca')
    .description(
      'rotate the CA with zero downtime: prepare, distribute, reissue, roll, retire (resumes an interrupted one)',
    )
    .option(...caDirOpt)
    .option(...lockWaitOpt)
    .option('--dry-run', 'print the plan only', false)
    .option('--keep-key', 're-sign the CA with its current keys (CA renewal) instead of new keys')
    .option('--max-per-window <n>', 'at most this many reloads per window during the roll')
    .option('--window <duration>', 'the budget window')
    .option(
      '--propagation <duration>',
      'how long consumers get to re-read the bundle before a new leaf is served (default: inventory rotation.propagation, 3m)',
    )
    .action(async (o) => (await actions()).rotateCa(o));

  tls
    .command('revoke')
    .description('revoke a compromised certificate or CA, write the CRL, and reissue')
    .option(...caDirOpt)
    .option(...lockWaitOpt)
    .option('--serial <hex>', 'revoke this serial')
    .option('--name <name>', 'revoke the certificate installed for this name')
    .option('--ca <id>', 'the CA whose key is compromised: revoke all it issued and rotate away from it')
    .option('--no-reissue', 'only revoke and write the CRL')
    .action(async (o) => (await actions()).revoke(o));

  tls
    .command('status')
    .description('a table of certificates: serial, expiry, renewal time, and whether endpoints serve them')
    .option(...caDirOpt)
    .option('--json', 'JSON output', false)
    .option('--no-probe', 'do not connect to endpoints')
    .option('--metrics', 'print Prometheus samples instead', false)
    .action(async (o) => (await actions()).status(o));
}
