/**
 * What `holdfast tls ...` does: builds the engine with local certificate targets (files + reload
 * action) and prints; all decisions are the engine's. Loaded only when a tls command runs, so the
 * crypto libraries cost nothing to the other commands' start-up.
 */
import { resolve } from 'node:path';
import { createLogger } from '../../base/log.js';
import { formatTable } from '../../base/format.js';
import { HoldfastError } from '../../base/errors.js';
import { localTlsEngine } from '../../server/engines/tls.js';
import {
  TlsEngine,
  certificateMetrics,
  commonNameConflict,
  parseDuration,
  parseDurationOrZero,
  parseKeyAlgorithm,
  parseSans,
  parseSpec,
  TLS_ERRORS,
  type CertSpecInput,
  type CertStatus,
  type RotationState,
  type TlsErrorCode,
} from '../../tls/index.js';

/** Commander's parsed options: their shape is declared in tls.ts, next to the flags. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Opts = Record<string, any>;

function engineFor(o: Opts): TlsEngine {
  return localTlsEngine(o.caDir, {
    log: createLogger(),
    ...(o.lockWait !== undefined ? { lockWaitMs: parseDurationOrZero(o.lockWait, '--lock-wait') } : {}),
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

const SERVED_COLUMN: Record<NonNullable<CertStatus['probe']>['reason'], string> = {
  Valid: 'valid',
  NotInstalled: 'MISMATCH',
  Expired: 'EXPIRED',
  NotYetValid: 'NOT-YET-VALID',
  Untrusted: 'UNTRUSTED',
  NameMismatch: 'WRONG-NAME',
  Unreachable: 'UNREACHABLE',
};

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
      r.probe ? SERVED_COLUMN[r.probe.reason] : '-',
    ]),
  );
}

export async function initCa(o: Opts): Promise<void> {
  const state = await engineFor(o).initCa({
    commonName: o.commonName,
    algorithm: parseKeyAlgorithm(o.algorithm),
    lifetimeMs: parseDuration(o.lifetime, '--lifetime'),
    intermediate: !!o.intermediate,
  });
  out(`created CA ${state.active} in ${resolve(o.caDir)}`);
}

/** Flags that define a spec, by option key and as the user typed them. */
const SPEC_FLAGS: [string, string][] = [
  ['dns', '--dns'],
  ['ip', '--ip'],
  ['uri', '--uri'],
  ['san', '--san'],
  ['commonName', '--common-name'],
  ['usage', '--usage'],
  ['algorithm', '--algorithm'],
  ['lifetime', '--lifetime'],
  ['renewBefore', '--renew-before'],
  ['keepKey', '--keep-key'],
  ['trustOnly', '--trust-only'],
  ['reloadCommand', '--reload-command'],
  ['reloadSignal', '--reload-signal'],
  ['pidFile', '--pid-file'],
  ['probe', '--probe'],
  ['sni', '--sni'],
];
/** What a trust-only consumer cannot have: it gets no leaf. */
const LEAF_FLAGS = new Set(['dns', 'ip', 'uri', 'san', 'commonName', 'usage', 'algorithm', 'lifetime', 'renewBefore', 'keepKey', 'probe', 'sni']);

/** The first pair of flags that contradict each other (or a flag that means nothing alone), as one line. */
export function conflictingIssueFlags(o: Opts): string | undefined {
  const given = SPEC_FLAGS.filter(([k]) => o[k] !== undefined);
  if (!o.outDir && given.length)
    return `${given.map(([, f]) => f).join(', ')} define${given.length === 1 ? 's' : ''} the certificate's spec and need${given.length === 1 ? 's' : ''} --out-dir; without it, issue re-issues the spec in inventory.yaml as it is`;
  if (o.trustOnly) {
    const leaf = given.find(([k]) => LEAF_FLAGS.has(k));
    if (leaf) return `--trust-only conflicts with ${leaf[1]}: a trust-only consumer gets the trust bundle, no certificate`;
  }
  if (o.reloadCommand && o.reloadSignal) return '--reload-command conflicts with --reload-signal: give one reload action';
  if (o.pidFile && !o.reloadSignal) return '--pid-file needs --reload-signal';
  if (o.sni && !o.probe) return '--sni needs --probe';
  return undefined;
}

export async function issue(o: Opts): Promise<void> {
  const conflict = conflictingIssueFlags(o);
  if (conflict) throw new HoldfastError('TLS_INVALID_SPEC', 'invalid-input', `issue ${o.name}: ${conflict}`);
  const engine = engineFor(o);
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
    // Refused here, before anything is written, in the flags' words; issueLeaf would refuse it too.
    const cn = o.commonName ? commonNameConflict(o.commonName, sans) : undefined;
    if (cn) throw new HoldfastError('TLS_INVALID_SPEC', 'invalid-input', `issue ${o.name}: --common-name conflicts with --dns/--ip/--san: ${cn}`);
    const input: CertSpecInput = {
      name: o.name,
      dnsNames: sans.dns,
      ipAddresses: sans.ip,
      uris: sans.uri,
      ...(o.usage
        ? {
            usages: String(o.usage)
              .split(',')
              .map((s) => s.trim()) as ('serverAuth' | 'clientAuth')[],
          }
        : {}),
      ...(o.algorithm ? { algorithm: o.algorithm } : {}),
      ...(o.lifetime ? { lifetime: o.lifetime } : {}),
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
      ...(o.probe ? { probe: { ...parseEndpoint(o.probe), ...(o.sni ? { serverName: o.sni } : {}) } } : {}),
    };
    spec = parseSpec(input, process.cwd());
  }
  const r = await engine.issue(o.name, spec);
  out(
    r.serial
      ? `issued ${r.name} serial ${r.serial} not-after ${r.notAfter!.toISOString()}`
      : `installed the trust bundle for ${r.name}`,
  );
}

export async function renew(o: Opts): Promise<void> {
  const r = await engineFor(o).renew({
    ...(o.name ? { names: o.name } : {}),
    force: !!o.force,
    dryRun: !!o.dryRun,
  });
  for (const p of r.plan)
    out(
      `${p.name}: ${o.dryRun && p.action === 'renew' ? 'would renew' : p.action} (${p.reason}: ${p.message})`,
    );
  for (const x of r.renewed) out(`renewed ${x.name} serial ${x.serial}`);
}

export async function rotateCa(o: Opts): Promise<void> {
  const engine = engineFor(o);
  const budget =
    o.maxPerWindow || o.window
      ? { max: Number(o.maxPerWindow ?? 1), windowMs: parseDuration(o.window ?? '1m', '--window') }
      : undefined;
  const r = await engine.rotateCa({
    dryRun: !!o.dryRun,
    // Only when given: resuming a rotation without the flag goes on as it started.
    ...(o.keepKey ? { keepKey: true } : {}),
    ...(o.propagation ? { propagationMs: parseDurationOrZero(o.propagation, '--propagation') } : {}),
    ...(budget ? { budget } : {}),
  });
  out(r.plan);
  if (!r.dryRun) out(`rotation ${r.id} finished: ${r.state.newCaId} is the only trusted CA`);
}

export async function revoke(o: Opts): Promise<void> {
  const r = await engineFor(o).revoke({
    ...(o.serial ? { serial: o.serial } : {}),
    ...(o.name ? { name: o.name } : {}),
    ...(o.ca ? { caId: o.ca } : {}),
    reissue: o.reissue !== false,
  });
  out(`revoked ${r.revoked.length} certificate(s); CRL: ${r.crls.join(', ')}`);
  if (r.reissued.length) out(`reissued: ${r.reissued.join(', ')}`);
}

export async function status(o: Opts): Promise<void> {
  const engine = engineFor(o);
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
  else {
    out(statusTable(rows, now));
    const rot = await engine.rotation();
    if (rot) out(rotationLine(rot));
  }
  const problem = statusProblem(rows);
  if (problem) throw problem;
}

/** One line on a rotation in progress: its phase and what its gate waits for. */
export function rotationLine(r: RotationState): string {
  const head = `rotation ${r.id} (${r.oldCaId} -> ${r.newCaId}): phase ${r.phase}`;
  if (r.waiting) return `${head}; waiting${r.waiting.until ? ` until ${r.waiting.until}` : ''} for ${r.waiting.for}`;
  return `${head}; "holdfast tls rotate-ca" resumes it if it stopped`;
}

/**
 * Why `status` exits non-zero, from the most to the least permanent: a target that cannot be read
 * (2), an endpoint serving something a client rejects or that is not the installed chain (9), a
 * certificate that is not ready (9), an endpoint that does not answer (7: try again).
 */
export function statusProblem(rows: CertStatus[]): HoldfastError | undefined {
  const err = (code: TlsErrorCode, r: CertStatus, msg: string) =>
    new HoldfastError(code, TLS_ERRORS[code], `certificate ${r.name}: ${msg}`);
  const unreadable = rows.find((r) => r.error);
  if (unreadable) return new HoldfastError('TLS_KEY_UNREADABLE', 'invalid-input', unreadable.error!);
  const bad = rows.find((r) => r.probe && r.probe.reason !== 'Valid' && r.probe.reason !== 'Unreachable');
  if (bad) return err(bad.probe!.reason === 'NotInstalled' ? 'TLS_UNEXPECTED_CHAIN' : 'TLS_SERVED_INVALID', bad, bad.probe!.message);
  const notReady = rows.find((r) => r.ready === false && r.probe?.reason !== 'Unreachable');
  if (notReady) return err('TLS_NOT_READY', notReady, notReadyWhy(notReady));
  const down = rows.find((r) => r.probe?.reason === 'Unreachable');
  if (down) return err('TLS_PROBE_FAILED', down, down.probe!.message);
  return undefined;
}

function notReadyWhy(r: CertStatus): string {
  if (r.trustOnly) return 'the trust bundle does not hold exactly the trusted roots';
  if (!r.serial) return 'nothing installed; issue it with "holdfast tls issue"';
  if (!r.keyMatches) return 'the installed key does not match the certificate';
  return `not ready: ${r.decision?.reason ?? 'unknown'}: ${r.decision?.message ?? ''}`.trim();
}
