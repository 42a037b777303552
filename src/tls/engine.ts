/**
 * The TLS engine: one object per CA directory that the CLI (and later the control plane and the
 * operator) drives. It owns no platform: targets, probing, time and sleeping come in as deps.
 *
 * Every operation validates all it can before it writes anything (a bad SAN, an expired CA, a key
 * file others can read, a mismatched pair each fail with nothing changed), then writes in an order
 * that a crash cannot turn into a workload with a key that does not match its certificate.
 */
import { X509Certificate } from 'node:crypto';
import { planRenewals, type Candidate, type PlannedRenewal } from './budget.js';
import { checkAuthority, createAuthority, newCaId, type CertAuthority } from './ca.js';
import { caLock, makeCtx, type Ctx, type EngineDeps } from './context.js';
import { createCrl } from './crl.js';
import { refreshCrls, rootListKey } from './crl-refresh.js';
import { deliver, issueFor, issuersOf } from './deliver.js';
import { HoldfastError } from '../base/errors.js';
import { tlsError } from './errors.js';
import type { CertSpec, Inventory } from './inventory.js';
import type { KeyAlgorithm } from './keys.js';
import { clientName } from './probe.js';
import { DEFAULT_MAX_LIFETIME_MS } from '../policy/certificate-lifetime.js';
import { DEFAULT_ROTATION_TIMINGS } from './inventory.js';
import { certStatus, inspectInstalled, type CertStatus } from './status.js';
import type { CaDirState, RevokedEntry } from './store.js';
import { RotationRunner, type RotationOptions, type RotationReport } from './rotation.js';
import type { RotationState } from './rotation-plan.js';
import type { RenewalDecision } from './renewal.js';

export interface InitCaOptions {
  commonName: string;
  algorithm: KeyAlgorithm;
  lifetimeMs: number;
  intermediate: boolean;
}

export interface RenewOptions {
  names?: string[];
  force?: boolean;
  dryRun?: boolean;
}

export interface RenewResult {
  plan: PlannedRenewal[];
  renewed: { name: string; serial: string }[];
}

export interface RevokeOptions {
  /** Revoke one leaf by serial (hex). */
  serial?: string;
  /** Revoke the leaf installed for this certificate: its key is compromised. */
  name?: string;
  /** The CA whose key is compromised: revoke everything it issued and rotate away from it. */
  caId?: string;
  reissue?: boolean;
}

export interface RevokeResult {
  revoked: string[];
  crls: string[];
  reissued: string[];
  rotation?: RotationReport;
}


export class TlsEngine {
  readonly ctx: Ctx;
  constructor(deps: EngineDeps) {
    this.ctx = makeCtx(deps);
  }

  initCa(opts: InitCaOptions): Promise<CaDirState> {
    return caLock(this.ctx, 'holdfast tls initCa', () => this.initCaLocked(opts));
  }

  private async initCaLocked(opts: InitCaOptions): Promise<CaDirState> {
    const { store, clock } = this.ctx;
    if (await store.exists())
      throw tlsError(
        'TLS_CA_DIR_EXISTS',
        `CA directory ${store.dir}: already holds a CA; use rotate-ca to replace it`,
      );
    const id = newCaId(clock.now());
    const ca = await createAuthority({ id, ...opts }, clock);
    await store.saveCa(ca);
    const state: CaDirState = {
      version: 1,
      config: { ...opts },
      active: id,
      trusted: [id],
      retired: [],
      renewals: [],
    };
    if ((await store.readInventory()).certificates.length === 0)
      await store.writeInventory({
        budget: { max: 1, windowMs: 600_000 },
        jitter: 0.1,
        maxLifetimeMs: DEFAULT_MAX_LIFETIME_MS,
        rotation: DEFAULT_ROTATION_TIMINGS,
        certificates: [],
      });
    await store.writeState(state);
    await refreshCrls(store, clock, [id]); // a new CA publishes its (empty) CRL from the start
    this.ctx.log.info('created CA', { ca: id, algorithm: opts.algorithm, intermediate: opts.intermediate });
    return state;
  }

  private async rotationBusy(): Promise<void> {
    const r = await new RotationRunner(this.ctx).current();
    if (r && r.phase !== 'done')
      throw tlsError(
        'TLS_ROTATION_IN_PROGRESS',
        `CA rotation ${r.id} is at phase ${r.phase}; finish it first with "holdfast tls rotate-ca"`,
      );
  }

  private async activeCa(state: CaDirState): Promise<CertAuthority> {
    const ca = await this.ctx.store.loadCa(state.active);
    checkAuthority(ca, this.ctx.clock.now());
    return ca;
  }

  private find(inv: Inventory, name: string): CertSpec {
    const s = inv.certificates.find((c) => c.name === name);
    if (!s) throw tlsError('TLS_UNKNOWN_CERT', `certificate ${name}: not in ${this.ctx.store.inventoryPath}`);
    return s;
  }

  /** Adds or replaces a spec in the inventory (validated), without issuing. */
  upsertSpec(spec: CertSpec): Promise<void> {
    return caLock(this.ctx, 'holdfast tls upsertSpec', () => this.upsertSpecLocked(spec));
  }

  private async upsertSpecLocked(spec: CertSpec): Promise<void> {
    const inv = await this.ctx.store.readInventory();
    const i = inv.certificates.findIndex((c) => c.name === spec.name);
    if (i >= 0) inv.certificates[i] = spec;
    else inv.certificates.push(spec);
    await this.ctx.store.writeInventory(inv);
  }

  /** Issues (or re-issues) one certificate from the active CA, installs it, reloads and probes. */
  issue(name: string, newSpec?: CertSpec): Promise<{ name: string; caId: string; serial?: string; notAfter?: Date }> {
    return caLock(this.ctx, 'holdfast tls issue', () => this.issueLocked(name, newSpec));
  }

  private async issueLocked(
    name: string,
    newSpec?: CertSpec,
  ): Promise<{ name: string; caId: string; serial?: string; notAfter?: Date }> {
    await this.rotationBusy();
    const { store } = this.ctx;
    const state = await store.readState();
    const inv = await store.readInventory();
    const spec = newSpec ?? this.find(inv, name);
    const ca = await this.activeCa(state);
    const target = this.ctx.targets(spec);
    const bundlePem = await store.bundlePem(state.trusted);
    await this.readTarget(spec);
    if (spec.trustOnly) {
      if (newSpec) await this.upsertSpec(newSpec);
      await target.installBundle(bundlePem);
      await target.reload();
      return { name, caId: ca.id };
    }
    const leaf = await issueFor(this.ctx, spec, ca, target, await issuersOf(this.ctx, state), inv.maxLifetimeMs);
    if (newSpec) await this.upsertSpec(newSpec);
    await deliver(this.ctx, spec, target, {
      chainPem: leaf.chainPem,
      keyPem: leaf.keyPem,
      caPem: leaf.caPem,
      bundlePem,
    });
    await this.recordRenewal(1);
    this.ctx.log.info('issued certificate', {
      name,
      serial: leaf.serial,
      ca: ca.id,
      notAfter: leaf.notAfter.toISOString(),
    });
    return { name, caId: ca.id, serial: leaf.serial, notAfter: leaf.notAfter };
  }

  private async readTarget(spec: CertSpec) {
    try {
      return await this.ctx.targets(spec).read();
    } catch (e) {
      if (e instanceof HoldfastError)
        throw new HoldfastError(e.code, e.kind, `certificate ${spec.name}: ${e.message}`, { cause: e });
      throw e;
    }
  }

  private async recordRenewal(n: number): Promise<void> {
    const state = await this.ctx.store.readState();
    const t = this.ctx.clock.now().toISOString();
    for (let i = 0; i < n; i++) state.renewals.push(t);
    await this.ctx.store.writeState(state);
  }

  /**
   * One row per certificate. A target that cannot be read becomes a row with `error`, or with
   * `strict` the error itself (code kept, certificate named), so a caller that will write stops first.
   */
  async status(opts: { probe?: boolean; names?: string[]; strict?: boolean } = {}): Promise<CertStatus[]> {
    const { store, clock } = this.ctx;
    const state = await store.readState();
    const inv = await store.readInventory();
    const issuers = await issuersOf(this.ctx, state);
    const trustedRoots = await Promise.all(state.trusted.map((id) => store.rootPem(id)));
    const specs = inv.certificates.filter((c) => !opts.names?.length || opts.names.includes(c.name));
    return Promise.all(
      specs.map(async (spec) => {
        const base = { spec, now: clock.now(), activeCaId: state.active, jitter: inv.jitter, trustedRoots };
        try {
          const m = await this.readTarget(spec);
          const probe =
            opts.probe && spec.probe && !spec.trustOnly ? await this.ctx.probe(spec.probe) : undefined;
          const installed = inspectInstalled(spec, m, issuers);
          return certStatus({
            ...base,
            ...(installed ? { installed } : {}),
            ...(m.bundlePem ? { bundlePem: m.bundlePem } : {}),
            ...(probe ? { probe, probeName: clientName(spec.probe!) } : {}),
          });
        } catch (e) {
          if (opts.strict) throw e;
          return certStatus({ ...base, error: e instanceof Error ? e.message : String(e) });
        }
      }),
    );
  }

  /** Renews what is due, within the budget; `force` renews the named ones now. */
  renew(opts: RenewOptions = {}): Promise<RenewResult> {
    return caLock(this.ctx, 'holdfast tls renew', () => this.renewLocked(opts));
  }

  private async renewLocked(opts: RenewOptions = {}): Promise<RenewResult> {
    await this.rotationBusy();
    const { store, clock } = this.ctx;
    const state = await store.readState();
    const inv = await store.readInventory();
    // strict: a target that cannot be read stops the run before anything is written.
    const rows = await this.status({ ...(opts.names ? { names: opts.names } : {}), strict: true });
    const now = clock.now();
    const candidates: Candidate[] = rows
      .filter((r) => !r.trustOnly)
      .map((r) => {
        const forced: RenewalDecision = {
          renew: true,
          reason: 'Due',
          message: 'renewal forced',
          urgent: true,
        };
        return {
          name: r.name,
          decision: opts.force ? forced : r.decision!,
          ...(r.notAfter ? { notAfter: r.notAfter } : {}),
        };
      });
    const plan = planRenewals(
      candidates,
      state.renewals.map((t) => new Date(t)),
      now,
      inv.budget,
    );
    const result: RenewResult = { plan, renewed: [] };
    if (opts.dryRun) return result;
    for (const path of await refreshCrls(store, clock)) this.ctx.log.info('refreshed CRL', { path });
    if (!plan.some((p) => p.action === 'renew')) return result;
    const ca = await this.activeCa(state);
    const issuers = await issuersOf(this.ctx, state);
    const bundlePem = await store.bundlePem(state.trusted);
    for (const p of plan.filter((x) => x.action === 'renew')) {
      const spec = this.find(inv, p.name);
      const target = this.ctx.targets(spec);
      const leaf = await issueFor(this.ctx, spec, ca, target, issuers, inv.maxLifetimeMs);
      await deliver(this.ctx, spec, target, {
        chainPem: leaf.chainPem,
        keyPem: leaf.keyPem,
        caPem: leaf.caPem,
        bundlePem,
      });
      await this.recordRenewal(1);
      result.renewed.push({ name: p.name, serial: leaf.serial });
      this.ctx.log.info('renewed certificate', { name: p.name, serial: leaf.serial, reason: p.reason });
    }
    return result;
  }

  /** The rotation in progress (with what it waits for), or undefined. */
  async rotation(): Promise<RotationState | undefined> {
    const r = await new RotationRunner(this.ctx).current();
    return r && r.phase !== 'done' ? r : undefined;
  }

  /** The rotation recorded last (in progress or done), or undefined when none ever ran. */
  async lastRotation(): Promise<RotationState | undefined> {
    return new RotationRunner(this.ctx).current();
  }

  /** Starts or resumes a CA rotation (see rotation.ts). */
  async rotateCa(opts: RotationOptions = {}): Promise<RotationReport> {
    return new RotationRunner(this.ctx).run(opts);
  }

  /**
   * Emergency re-key. A compromised leaf (by serial or by certificate name) is revoked, its CA's
   * CRL regenerated, and the certificate reissued with a new key. A compromised CA: everything it
   * issued is revoked (its CRL says so to anyone who still trusts it), and when it is the active
   * CA a rotation runs at once, without budget waits, so every leaf is reissued from a new CA and
   * the compromised root leaves every trust bundle.
   */
  revoke(opts: RevokeOptions): Promise<RevokeResult> {
    return caLock(this.ctx, 'holdfast tls revoke', () => this.revokeLocked(opts));
  }

  private async revokeLocked(opts: RevokeOptions): Promise<RevokeResult> {
    const { store, clock } = this.ctx;
    const state = await store.readState();
    const inv = await store.readInventory();
    const issued = await store.readIssued();
    const now = clock.now();
    let targets: { serial: string; caId: string; name?: string }[] = [];
    let reason: RevokedEntry['reason'] = 'keyCompromise';
    if (opts.serial) {
      const serial = opts.serial.toLowerCase().replace(/:/g, '');
      const rec = issued.find((r) => r.serial === serial);
      if (!rec)
        throw tlsError('TLS_UNKNOWN_CERT', `revoke serial ${serial}: not issued by this CA directory`);
      targets = [{ serial, caId: rec.caId, name: rec.name }];
    } else if (opts.name) {
      const spec = this.find(inv, opts.name);
      const cur = inspectInstalled(
        spec,
        await this.ctx.targets(spec).read(),
        await issuersOf(this.ctx, state),
      );
      if (!cur?.issuerCaId)
        throw tlsError(
          'TLS_UNKNOWN_CERT',
          `revoke certificate ${opts.name}: nothing issued by this CA is installed`,
        );
      targets = [{ serial: cur.serial, caId: cur.issuerCaId, name: spec.name }];
    } else if (opts.caId) {
      if (!(await store.hasCa(opts.caId)))
        throw tlsError('TLS_UNKNOWN_CERT', `revoke CA ${opts.caId}: no such CA in ${store.dir}`);
      // The leaves' own keys are not known to be compromised: each is replaced by one from a new CA.
      // cACompromise names a CA certificate (X.509), and the public TLS rules (BR 7.2.2, zlint
      // e_cab_crl_has_valid_reason_code) allow only keyCompromise, affiliationChanged, superseded,
      // cessationOfOperation and privilegeWithdrawn in a CRL.
      reason = 'superseded';
      targets = issued
        .filter((r) => r.caId === opts.caId)
        .map((r) => ({ serial: r.serial, caId: r.caId, name: r.name }));
    } else throw tlsError('TLS_INVALID_SPEC', 'revoke: name a --serial, a --name or a --ca');

    // Load every CA we will sign a CRL with before writing anything.
    const cas = new Map<string, CertAuthority>();
    for (const id of new Set(targets.map((t) => t.caId))) cas.set(id, await store.loadCa(id));
    if (opts.caId && !cas.has(opts.caId)) cas.set(opts.caId, await store.loadCa(opts.caId));
    const revoked = await store.readRevoked();
    for (const t of targets) {
      const list = (revoked[t.caId] ??= []);
      if (!list.some((e) => e.serial === t.serial))
        list.push({ serial: t.serial, revokedAt: now.toISOString(), reason });
    }
    await store.writeRevoked(revoked);
    const crls: string[] = [];
    for (const [id, ca] of cas) {
      const entries = revoked[id] ?? [];
      const number = Math.floor(now.getTime() / 1000);
      await store.writeCrl(id, await createCrl(ca, entries, now, number));
      crls.push(store.crlPath(id));
      if (ca.intermediate) {
        // The root's own list: which intermediates it revoked. A compromised CA revokes its intermediate
        // too, as keyCompromise: its subject's key is the compromised one (see the leaves' reason above).
        const inter = new X509Certificate(ca.intermediate.certPem).serialNumber.toLowerCase();
        // Kept in revoked.json so a refresh re-signs the same list (crl-refresh.ts).
        const rootEntries: RevokedEntry[] = (revoked[rootListKey(id)] ??= []);
        if (opts.caId === id && !rootEntries.some((e) => e.serial === inter))
          rootEntries.push({ serial: inter, revokedAt: now.toISOString(), reason: 'keyCompromise' });
        await store.writeRevoked(revoked);
        await store.writeCrl(id, await createCrl(ca, rootEntries, now, number, 'root'), 'root');
        crls.push(store.crlPath(id, 'root'));
      }
    }
    const result: RevokeResult = { revoked: targets.map((t) => t.serial), crls, reissued: [] };
    this.ctx.log.warn('revoked certificates', { count: targets.length, reason });
    if (opts.reissue === false) return result;

    if (opts.caId && opts.caId === state.active) {
      result.rotation = await this.rotateCa({
        budget: { max: Number.MAX_SAFE_INTEGER, windowMs: 1 },
        emergency: true,
      });
      result.reissued = result.rotation.reissued;
      return result;
    }
    // Reissue the certificates whose installed leaf was revoked.
    const revokedSet = new Set(targets.map((t) => t.serial));
    const issuers = await issuersOf(this.ctx, state);
    const ca = await this.activeCa(state);
    const bundlePem = await store.bundlePem(state.trusted);
    for (const spec of inv.certificates.filter((c) => !c.trustOnly)) {
      const target = this.ctx.targets(spec);
      const cur = inspectInstalled(spec, await target.read(), issuers);
      if (!cur || !revokedSet.has(cur.serial)) continue;
      // A revoked key is never kept, whatever rotateKey says.
      const leaf = await issueFor(this.ctx, { ...spec, rotateKey: true }, ca, target, issuers, inv.maxLifetimeMs);
      await deliver(this.ctx, spec, target, {
        chainPem: leaf.chainPem,
        keyPem: leaf.keyPem,
        caPem: leaf.caPem,
        bundlePem,
      });
      result.reissued.push(spec.name);
    }
    return result;
  }
}
