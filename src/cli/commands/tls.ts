/**
 * `holdfast tls ...`: the private CA on one machine. Builds the engine with local certificate
 * targets (files + reload action) and prints; all decisions are the engine's.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { createLogger } from '../../base/log.js';
import { formatTable } from '../../base/format.js';
import { HoldfastError } from '../../base/errors.js';
import { LocalCertTarget } from '../../platform/local/cert-target.js';
import {
  CaStore,
  KEY_ALGORITHMS,
  TlsEngine,
  certificateMetrics,
  parseDuration,
  parseKeyAlgorithm,
  parseSans,
  parseSpec,
  type CertSpecInput,
  type CertStatus,
} from '../../tls/index.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];
const DEFAULT_CA_DIR = './holdfast-ca';

function engineFor(caDir: string): TlsEngine {
  return new TlsEngine({
    store: new CaStore(caDir),
    targets: (spec) =>
      new LocalCertTarget({
        name: spec.name,
        outDir: spec.outDir,
        ...(spec.reload ? { reload: spec.reload } : {}),
      }),
    log: createLogger(),
  });
}

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : s + '\n');

function parseEndpoint(s: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s);
  if (!m) throw new HoldfastError('TLS_INVALID_SPEC', 'invalid-input', `--probe ${s}: use host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}

function days(ms: number): string {
  return (ms / 86_400_000).toFixed(1);
}

export function statusTable(rows: CertStatus[], now: Date): string {
  return formatTable(
    ['NAME', 'SERIAL', 'NOT-AFTER', 'DAYS-LEFT', 'ISSUER', 'RENEW-AT', 'READY', 'SERVED'],
    rows.map((r) => [
      r.name,
      r.trustOnly ? '(trust only)' : r.serial ? r.serial.slice(0, 16) : '-',
      r.notAfter?.toISOString().replace(/\.\d+Z$/, 'Z') ?? '-',
      r.notAfter ? days(r.notAfter.getTime() - now.getTime()) : '-',
      r.caId ?? '-',
      r.renewAt?.toISOString().replace(/\.\d+Z$/, 'Z') ?? '-',
      r.ready === undefined ? '?' : r.ready ? 'yes' : 'no',
      r.probe ? (r.probe.matches ? 'matches' : 'MISMATCH') : '-',
    ]),
  );
}

export function registerTlsCommands(program: Command): void {
  const tls = program
    .command('tls')
    .description('private CA: issue, renew, rotate and probe TLS certificates');
  const caDirOpt = ['--ca-dir <dir>', 'CA directory', DEFAULT_CA_DIR] as const;

  tls
    .command('init-ca')
    .description('create a CA directory with a new root (and optional intermediate)')
    .option(...caDirOpt)
    .option('--common-name <cn>', 'CA name', 'Holdfast CA')
    .option('--algorithm <alg>', `key algorithm: ${KEY_ALGORITHMS.join(', ')}`, 'ecdsa-p256')
    .option('--lifetime <duration>', 'root lifetime', '3650d')
    .option('--intermediate', 'issue leaves from an intermediate', false)
    .action(async (o) => {
      const state = await engineFor(o.caDir).initCa({
        commonName: o.commonName,
        algorithm: parseKeyAlgorithm(o.algorithm),
        lifetimeMs: parseDuration(o.lifetime, '--lifetime'),
        intermediate: !!o.intermediate,
      });
      out(`created CA ${state.active} in ${resolve(o.caDir)}`);
    });

  tls
    .command('issue')
    .description(
      'issue a certificate: from its inventory spec, or define/replace the spec with flags (--out-dir)',
    )
    .requiredOption('--name <name>', 'certificate name')
    .option(...caDirOpt)
    .option('--dns <name>', 'DNS SAN (repeatable)', collect)
    .option('--ip <addr>', 'IP SAN (repeatable)', collect)
    .option('--uri <uri>', 'URI SAN (repeatable)', collect)
    .option('--san <san>', 'SAN as DNS:x, IP:x, URI:x or bare (repeatable)', collect)
    .option('--common-name <cn>', 'subject CN')
    .option('--usage <list>', 'serverAuth,clientAuth', 'serverAuth')
    .option('--algorithm <alg>', 'key algorithm', 'ecdsa-p256')
    .option('--lifetime <duration>', 'lifetime', '90d')
    .option('--renew-before <duration>', 'renew this long before expiry (default: at 2/3 of the lifetime)')
    .option('--keep-key', 'keep the key on renewal (default: a new key every time)', false)
    .option('--trust-only', 'a consumer that only receives the trust bundle', false)
    .option('--out-dir <dir>', 'where tls.crt, tls.key, ca.crt, trust-bundle.pem go')
    .option('--reload-command <cmd>', 'shell command that reloads the workload')
    .option('--reload-signal <sig>', 'signal to send, with --pid-file')
    .option('--pid-file <file>', 'pid file of the workload')
    .option('--probe <host:port>', 'endpoint that serves this certificate')
    .option('--sni <name>', 'server name to send when probing')
    .action(async (o) => {
      const engine = engineFor(o.caDir);
      let spec;
      if (o.outDir) {
        const sans = parseSans(
          [
            ...(o.san ?? []),
            ...(o.dns ?? []).map((d: string) => `DNS:${d}`),
            ...(o.ip ?? []).map((i: string) => `IP:${i}`),
            ...(o.uri ?? []).map((u: string) => `URI:${u}`),
          ],
          `certificate ${o.name}`,
        );
        const input: CertSpecInput = {
          name: o.name,
          dnsNames: sans.dns,
          ipAddresses: sans.ip,
          uris: sans.uri,
          usages: String(o.usage)
            .split(',')
            .map((s) => s.trim()) as ('serverAuth' | 'clientAuth')[],
          algorithm: o.algorithm,
          lifetime: o.lifetime,
          rotateKey: !o.keepKey,
          trustOnly: !!o.trustOnly,
          outDir: resolve(o.outDir),
          ...(o.commonName ? { commonName: o.commonName } : {}),
          ...(o.renewBefore ? { renewBefore: o.renewBefore } : {}),
          ...(o.reloadCommand || o.reloadSignal
            ? {
                reload: {
                  ...(o.reloadCommand ? { command: o.reloadCommand } : {}),
                  ...(o.reloadSignal ? { signal: o.reloadSignal } : {}),
                  ...(o.pidFile ? { pidFile: resolve(o.pidFile) } : {}),
                },
              }
            : {}),
          ...(o.probe
            ? { probe: { ...parseEndpoint(o.probe), ...(o.sni ? { serverName: o.sni } : {}) } }
            : {}),
        };
        spec = parseSpec(input, process.cwd());
      }
      const r = await engine.issue(o.name, spec);
      out(
        r.serial
          ? `issued ${r.name} serial ${r.serial} not-after ${r.notAfter!.toISOString()}`
          : `installed the trust bundle for ${r.name}`,
      );
    });

  tls
    .command('renew')
    .description('renew the certificates that are due, within the renewal budget')
    .option(...caDirOpt)
    .option('--name <name>', 'only this certificate (repeatable)', collect)
    .option('--force', 'renew now even if not due', false)
    .option('--dry-run', 'print the plan only', false)
    .action(async (o) => {
      const r = await engineFor(o.caDir).renew({
        ...(o.name ? { names: o.name } : {}),
        force: !!o.force,
        dryRun: !!o.dryRun,
      });
      for (const p of r.plan)
        out(
          `${p.name}: ${o.dryRun && p.action === 'renew' ? 'would renew' : p.action} (${p.reason}: ${p.message})`,
        );
      for (const x of r.renewed) out(`renewed ${x.name} serial ${x.serial}`);
    });

  tls
    .command('rotate-ca')
    .description(
      'rotate the CA with zero downtime: prepare, distribute, reissue, roll, retire (resumes an interrupted one)',
    )
    .option(...caDirOpt)
    .option('--dry-run', 'print the plan only', false)
    .option('--keep-key', 're-sign the CA with its current keys (CA renewal) instead of new keys', false)
    .option('--max-per-window <n>', 'at most this many reloads per window during the roll')
    .option('--window <duration>', 'the budget window')
    .action(async (o) => {
      const engine = engineFor(o.caDir);
      const budget =
        o.maxPerWindow || o.window
          ? { max: Number(o.maxPerWindow ?? 1), windowMs: parseDuration(o.window ?? '1m', '--window') }
          : undefined;
      const r = await engine.rotateCa({
        dryRun: !!o.dryRun,
        keepKey: !!o.keepKey,
        ...(budget ? { budget } : {}),
      });
      out(r.plan);
      if (!r.dryRun) out(`rotation ${r.id} finished: ${r.state.newCaId} is the only trusted CA`);
    });

  tls
    .command('revoke')
    .description('revoke a compromised certificate or CA, write the CRL, and reissue')
    .option(...caDirOpt)
    .option('--serial <hex>', 'revoke this serial')
    .option('--name <name>', 'revoke the certificate installed for this name')
    .option('--ca <id>', 'the CA whose key is compromised: revoke all it issued and rotate away from it')
    .option('--no-reissue', 'only revoke and write the CRL')
    .action(async (o) => {
      const r = await engineFor(o.caDir).revoke({
        ...(o.serial ? { serial: o.serial } : {}),
        ...(o.name ? { name: o.name } : {}),
        ...(o.ca ? { caId: o.ca } : {}),
        reissue: o.reissue !== false,
      });
      out(`revoked ${r.revoked.length} certificate(s); CRL: ${r.crls.join(', ')}`);
      if (r.reissued.length) out(`reissued: ${r.reissued.join(', ')}`);
    });

  tls
    .command('status')
    .description('a table of certificates: serial, expiry, renewal time, and whether endpoints serve them')
    .option(...caDirOpt)
    .option('--json', 'JSON output', false)
    .option('--no-probe', 'do not connect to endpoints')
    .option('--metrics', 'print Prometheus samples instead', false)
    .action(async (o) => {
      const engine = engineFor(o.caDir);
      const rows = await engine.status({ probe: o.probe !== false });
      const now = engine.ctx.clock.now();
      if (o.metrics) {
        for (const s of certificateMetrics(rows))
          out(
            `${s.name}{${Object.entries(s.labels)
              .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\' + c))}"`)
              .join(',')}} ${s.value}`,
          );
      } else if (o.json) out(JSON.stringify(rows, null, 2));
      else out(statusTable(rows, now));
      const broken = rows.find((r) => r.error) ?? rows.find((r) => r.probe && !r.probe.matches);
      if (broken?.error)
        throw new HoldfastError(
          'TLS_KEY_UNREADABLE',
          'invalid-input',
          `certificate ${broken.name}: ${broken.error}`,
        );
      if (broken?.probe)
        throw new HoldfastError(
          'TLS_UNEXPECTED_CHAIN',
          'permanent',
          `certificate ${broken.name}: ${broken.probe.message}`,
        );
    });
}
