/**
 * Runs the CA rotation (the steps and state are in rotation-plan.ts) as a resumable state machine.
 * The state is persisted to rotation.json after every step, atomically; a crash anywhere leaves a
 * state from which `run()` on a fresh engine continues. Each step is safe to repeat: it either
 * re-does idempotent work (write the same bundle, re-install the same staged pair) or detects that
 * its effect is already there (the new CA directory exists).
 *
 * Why nothing breaks while it runs: every consumer trusts both roots before any leaf from the new
 * CA is served, and the old root leaves the bundles only after nothing installed or served chains
 * to it. Pairs are installed as one unit and checked before each reload.
 */
import { X509Certificate } from 'node:crypto';
import { budgetDecision, type Budget } from './budget.js';
import { checkAuthority, createAuthority, newCaId } from './ca.js';
import { caLock, type Ctx } from './context.js';
import { checkPair, deliver, issueFor, issuersOf } from './deliver.js';
import { tlsError } from './errors.js';
import type { CertSpec, Inventory } from './inventory.js';
import { refreshCrls } from './crl-refresh.js';
import { liveLeaves } from './live-leaves.js';
import { retireGateDecision, type RetireGateDecision, type ServingOld } from './retire-gate.js';
import { fingerprint, splitPem } from './pem.js';
import { compareServed, endpointName } from './probe.js';
import {
  formatPlan,
  remainingSteps,
  rotationSteps,
  stateProblem,
  type RotationState,
  type Step,
} from './rotation-plan.js';
import { issuerOf } from './status.js';
import type { IssuedRecord } from './store.js';

export interface RotationOptions {
  dryRun?: boolean;
  /** Re-sign the CA certificates with the current keys instead of generating new ones. */
  keepKey?: boolean;
  /** Budget for the roll's reloads; default: the inventory's. */
  budget?: Budget;
  /** Compromise response: no waiting for the budget. */
  emergency?: boolean;
  /** The propagation period of a new rotation; default: the inventory's rotation.propagation. */
  propagationMs?: number;
}

export interface RotationReport {
  id: string;
  resumed: boolean;
  dryRun: boolean;
  plan: string;
  finished: boolean;
  reissued: string[];
  state: RotationState;
}

export class RotationRunner {
  constructor(private readonly ctx: Ctx) {}

  async current(): Promise<RotationState | undefined> {
    const s = await this.ctx.store.readJson<RotationState>(this.ctx.store.rotationPath);
    if (s && (s.version !== 1 || !Array.isArray(s.done)))
      throw tlsError(
        'TLS_STATE_CORRUPT',
        `read ${this.ctx.store.rotationPath}: not a Holdfast rotation state`,
      );
    return s;
  }

  private async persist(s: RotationState): Promise<void> {
    s.updatedAt = this.ctx.clock.now().toISOString();
    await this.ctx.store.writeJson(this.ctx.store.rotationPath, s);
  }

  async run(opts: RotationOptions = {}): Promise<RotationReport> {
    const { store, clock } = this.ctx;
    const caState = await store.readState();
    const inv = await store.readInventory();
    let s = await this.current();
    const resumed = s !== undefined && s.phase !== 'done';
    if (resumed) await this.checkResumable(s!, opts);
    if (!resumed) {
      const now = clock.now().toISOString();
      // Fail before anything is written when the current CA cannot be loaded (bad key file, ...).
      await store.loadCa(caState.active);
      s = {
        version: 1,
        id: `rot-${now.replace(/[-:]/g, '').replace(/\..*/, '')}`,
        oldCaId: caState.active,
        newCaId: newCaId(clock.now()),
        keepKey: opts.keepKey ?? false,
        emergency: opts.emergency ?? false,
        leaves: inv.certificates.filter((c) => !c.trustOnly).map((c) => c.name),
        consumers: inv.certificates.map((c) => c.name),
        phase: 'prepare',
        done: [],
        rolls: [],
        propagationMs: opts.propagationMs ?? this.ctx.rotationTimings.propagationMs ?? inv.rotation.propagationMs,
        startedAt: now,
        updatedAt: now,
      };
    }
    const state = s!;
    const plan = formatPlan(state, resumed);
    const report = (finished: boolean): RotationReport => ({
      id: state.id,
      resumed,
      dryRun: !!opts.dryRun,
      plan,
      finished,
      reissued: state.leaves,
      state,
    });
    if (opts.dryRun) return report(false);
    if (!resumed) await this.persist(state);
    else this.ctx.log.info('resuming CA rotation', { rotation: state.id, phase: state.phase });
    const budget = state.emergency
      ? { max: Number.MAX_SAFE_INTEGER, windowMs: 1 }
      : (opts.budget ?? inv.budget);
    for (const step of remainingSteps(state)) {
      // Waits (the budget, propagation) happen outside the lock, so serve keeps issuing meanwhile;
      // each step's effect and its record happen inside it.
      await this.waitBefore(step, state, budget, inv);
      await caLock(this.ctx, `holdfast tls rotate-ca (${step.id})`, async () => {
        state.phase = step.phase;
        await this.exec(step, state, inv);
        await this.ctx.hooks.afterStep?.(step.id, 'effect');
        state.done.push(step.id);
        await this.persist(state);
      });
      this.ctx.log.info('rotation step done', { rotation: state.id, step: step.id });
      await this.ctx.hooks.afterStep?.(step.id, 'persisted');
    }
    state.phase = 'done';
    state.finishedAt = clock.now().toISOString();
    await this.persist(state);
    return report(true);
  }

  /**
   * A rotation is resumed only as it started, and only from a state the runner could have
   * written: `--keep-key` cannot turn a new-key rotation into a renewal, and a state past the
   * distribute gate is re-checked against the targets (every consumer still holds both roots)
   * before a leaf from the new CA is served, whoever wrote rotation.json.
   */
  private async checkResumable(s: RotationState, opts: RotationOptions): Promise<void> {
    const where = `rotation ${s.id} (${this.ctx.store.rotationPath})`;
    if (opts.keepKey !== undefined && opts.keepKey !== s.keepKey)
      throw tlsError(
        'TLS_ROTATION_IN_PROGRESS',
        `${where} started ${s.keepKey ? 'keeping the CA keys' : 'with new CA keys'} and is at phase ${s.phase}; finish it with "holdfast tls rotate-ca" (without --keep-key), then start the other kind`,
      );
    // A rotation persisted before the propagation step existed went straight on: it has none to wait.
    if (s.done.includes('distribute:gate') && !s.done.includes('distribute:propagate'))
      s.done.splice(s.done.indexOf('distribute:gate'), 0, 'distribute:propagate');
    const problem = stateProblem(s);
    if (problem) throw tlsError('TLS_STATE_CORRUPT', `${where}: ${problem}`);
    const { store } = this.ctx;
    const cs = await store.readState();
    for (const id of [s.oldCaId, ...(s.done.includes('prepare:create-ca') ? [s.newCaId] : [])])
      if (!(await store.hasCa(id))) throw tlsError('TLS_STATE_CORRUPT', `${where}: CA ${id} does not exist in ${store.dir}`);
    // Until the retire gate, the old CA is trusted; after it, retire-ca may have untrusted it already.
    if (!s.done.includes('retire:gate') && !cs.trusted.includes(s.oldCaId))
      throw tlsError('TLS_STATE_CORRUPT', `${where}: ${s.oldCaId} is not a trusted CA in ca.json`);
    // Between the distribute gate and the retire gate, leaves from the new CA are staged and served:
    // every consumer must hold both roots. After the retire gate, bundles narrow (maybe already, by
    // a step whose effect happened but was not recorded), and nothing chains to the old root.
    const distributed = s.done.includes('distribute:gate');
    const retiring = s.done.includes('retire:gate');
    if (distributed && !retiring) {
      const gate = rotationSteps(s).find((st) => st.id === 'distribute:gate')!;
      await this.gate(gate, s, await store.readInventory());
    }
  }

  /** Leaves of the old CA that may still be served, whoever issued them (live-leaves.ts). */
  private async liveOld(s: RotationState) {
    const { store, clock } = this.ctx;
    // Re-signed with the same keys and names, the new root verifies the old CA's leaves too.
    if (s.keepKey) return [];
    const live = liveLeaves(await store.readIssued(), await store.readRevoked(), clock.now());
    return live.filter((r) => r.caId === s.oldCaId);
  }

  /**
   * What a recorded endpoint serves, probed: the newest record of each name that names one, but not
   * this rotation's own leaves (the gate compares those with their installed chain). An endpoint
   * that does not answer serves nothing, so it does not hold the gate.
   */
  private async servingOld(s: RotationState): Promise<ServingOld[]> {
    if (s.keepKey) return [];
    const { store } = this.ctx;
    const newest = new Map<string, IssuedRecord>();
    for (const r of await store.readIssued()) if (r.endpoint && !s.leaves.includes(r.name)) newest.set(r.name, r);
    const old = new Map([[s.oldCaId, new X509Certificate(await store.issuingPem(s.oldCaId))]]);
    const out: ServingOld[] = [];
    for (const r of newest.values()) {
      const leaf = (await this.ctx.probe(r.endpoint!)).chain[0];
      if (leaf && issuerOf(new X509Certificate(leaf.pem), old) === s.oldCaId)
        out.push({ name: r.name, endpoint: endpointName(r.endpoint!), serial: leaf.serial });
    }
    return out;
  }

  private async retireGate(s: RotationState): Promise<RetireGateDecision> {
    return retireGateDecision({ oldCaId: s.oldCaId, newCaId: s.newCaId, live: await this.liveOld(s), servingOld: await this.servingOld(s) });
  }

  private spec(inv: Inventory, name: string): CertSpec {
    const spec = inv.certificates.find((c) => c.name === name);
    if (!spec)
      throw tlsError(
        'TLS_GATE_FAILED',
        `rotation: certificate ${name} left the inventory mid-rotation; put it back to finish`,
      );
    return spec;
  }

  private gateFail(s: RotationState, step: Step, msg: string): never {
    throw tlsError('TLS_GATE_FAILED', `rotation ${s.id} ${step.phase} gate: ${msg}`);
  }

  /** Waits outside the lock, recording what it waits for in rotation.json so status can show it. */
  private async waitUntil(s: RotationState, step: Step, what: string, until: Date | undefined, done: () => Promise<boolean>): Promise<void> {
    const { clock } = this.ctx;
    for (;;) {
      if (await done()) break;
      const left = until ? until.getTime() - clock.now().getTime() : 0;
      if (left <= 0) break;
      if (s.waiting?.for !== what) {
        s.waiting = { step: step.id, for: what, ...(until ? { until: until.toISOString() } : {}) };
        await this.persist(s);
        this.ctx.log.info('rotation waits', { rotation: s.id, step: step.id, for: what, until: until?.toISOString() });
      }
      await this.ctx.sleep(Math.min(left, 1000));
    }
    if (s.waiting) {
      delete s.waiting;
      await this.persist(s);
    }
  }

  private async waitBefore(step: Step, s: RotationState, budget: Budget, inv: Inventory): Promise<void> {
    const { clock } = this.ctx;
    if (step.kind === 'propagate') {
      const period = s.propagationMs ?? inv.rotation.propagationMs;
      const from = Date.parse(s.distributedAt ?? s.updatedAt);
      const what = `consumers to re-read the trust bundle with both roots (propagation ${Math.round(period / 1000)}s)`;
      return this.waitUntil(s, step, what, new Date(from + period), async () => false);
    }
    if (step.id === 'retire:gate') {
      const wait = this.ctx.rotationTimings.retireWaitMs ?? inv.rotation.retireWaitMs;
      const first = await this.retireGate(s);
      if (first.open) return;
      const open = async () => (await this.retireGate(s)).open;
      return this.waitUntil(s, step, first.message, new Date(clock.now().getTime() + wait), open);
    }
    if (step.kind !== 'roll') return;
    for (;;) {
      const b = budgetDecision(
        s.rolls.map((t) => new Date(t)),
        clock.now(),
        budget,
      );
      if (b.allowed) return;
      this.ctx.log.info('roll waits for the budget', {
        rotation: s.id,
        certificate: step.target,
        until: b.retryAt!.toISOString(),
      });
      await this.ctx.sleep(Math.max(1, b.retryAt!.getTime() - clock.now().getTime()));
    }
  }

  private async exec(step: Step, s: RotationState, inv: Inventory): Promise<void> {
    const { store, clock } = this.ctx;
    const both = () => store.bundlePem([s.oldCaId, s.newCaId]);
    const target = (name: string) => this.ctx.targets(this.spec(inv, name));
    switch (step.kind) {
      case 'create-ca': {
        if (await store.hasCa(s.newCaId)) return; // created before a crash: the directory is written whole or not at all
        const cfg = (await store.readState()).config;
        const old = s.keepKey ? await store.loadCa(s.oldCaId) : undefined;
        const reuse = old
          ? { root: old.root.key, ...(old.intermediate ? { intermediate: old.intermediate.key } : {}) }
          : undefined;
        const ca = await createAuthority(
          { id: s.newCaId, ...cfg, ...(reuse ? { reuseKeys: reuse } : {}) },
          clock,
        );
        await store.saveCa(ca);
        await refreshCrls(store, clock, [ca.id]);
        return;
      }
      case 'trust-new': {
        const cs = await store.readState();
        if (!cs.trusted.includes(s.newCaId)) cs.trusted.push(s.newCaId);
        await store.writeState(cs);
        return;
      }
      case 'activate': {
        const cs = await store.readState();
        cs.active = s.newCaId;
        await store.writeState(cs);
        return;
      }
      case 'bundle-both':
      case 'bundle-new': {
        const t = target(step.target!);
        await t.installBundle(
          step.kind === 'bundle-both' ? await both() : await store.bundlePem([s.newCaId]),
        );
        await t.reload();
        if (step.kind === 'bundle-both') s.distributedAt = clock.now().toISOString();
        return;
      }
      case 'reissue': {
        const spec = this.spec(inv, step.target!);
        const ca = await store.loadCa(s.newCaId);
        const leaf = await issueFor(
          this.ctx,
          spec,
          ca,
          this.ctx.targets(spec),
          await issuersOf(this.ctx, await store.readState()),
          inv.maxLifetimeMs,
        );
        await store.stage(s.id, spec.name, {
          chainPem: leaf.chainPem,
          keyPem: leaf.keyPem,
          caPem: leaf.caPem,
        });
        return;
      }
      case 'roll': {
        const spec = this.spec(inv, step.target!);
        const staged = await store.readStaged(s.id, spec.name);
        if (!staged) this.gateFail(s, step, `no staged leaf for ${spec.name}`);
        await deliver(this.ctx, spec, this.ctx.targets(spec), { ...staged, bundlePem: await both() });
        s.rolls.push(clock.now().toISOString());
        return;
      }
      case 'retire-ca': {
        const cs = await store.readState();
        cs.trusted = cs.trusted.filter((id) => id !== s.oldCaId);
        if (!cs.trusted.includes(s.newCaId)) cs.trusted.push(s.newCaId);
        if (!cs.retired.includes(s.oldCaId)) cs.retired.push(s.oldCaId);
        cs.active = s.newCaId;
        await store.writeState(cs);
        await store.clearStaged(s.id);
        return;
      }
      case 'propagate': {
        // The wait happened before the lock (waitBefore); a consumer that joined meanwhile is not
        // in this rotation's list (fixed at start), so there is nothing to do here.
        return;
      }
      case 'gate':
        return this.gate(step, s, inv);
    }
  }

  private async gate(step: Step, s: RotationState, inv: Inventory): Promise<void> {
    const { store, clock } = this.ctx;
    const newRoot = fingerprint(await store.rootPem(s.newCaId));
    const oldRoot = fingerprint(await store.rootPem(s.oldCaId));
    const issuers = await issuersOf(this.ctx, await store.readState());
    const newIssuer = new Map([[s.newCaId, issuers.get(s.newCaId)!]]);
    switch (step.phase) {
      case 'prepare': {
        const ca = await store.loadCa(s.newCaId);
        checkAuthority(ca, clock.now());
        return;
      }
      case 'distribute': {
        for (const name of s.consumers) {
          const spec = this.spec(inv, name);
          const m = await this.ctx.targets(spec).read();
          const have = new Set(splitPem(m.bundlePem ?? '').map(fingerprint));
          if (!have.has(newRoot) || !have.has(oldRoot))
            this.gateFail(s, step, `${name} does not hold both roots in its trust bundle`);
          if (spec.probe && !spec.trustOnly && m.chainPem) {
            const cmp = compareServed(await this.ctx.probe(spec.probe), splitPem(m.chainPem));
            if (!cmp.matches) this.gateFail(s, step, `${name}: ${cmp.message}`);
          }
        }
        return;
      }
      case 'reissue': {
        for (const name of s.leaves) {
          const staged = await store.readStaged(s.id, name);
          if (!staged) this.gateFail(s, step, `no staged leaf for ${name}`);
          checkPair(staged.chainPem, staged.keyPem, `staged certificate ${name}`);
          const leaf = new X509Certificate(splitPem(staged.chainPem)[0]!);
          if (issuerOf(leaf, newIssuer) !== s.newCaId)
            this.gateFail(s, step, `staged ${name} does not chain to ${s.newCaId}`);
        }
        return;
      }
      case 'roll':
      case 'retire': {
        if (step.phase === 'retire') {
          const d = await this.retireGate(s);
          if (!d.open) this.gateFail(s, step, `${d.message}; then run rotate-ca again`);
        }
        for (const name of s.leaves) {
          const spec = this.spec(inv, name);
          const m = await this.ctx.targets(spec).read();
          if (!m.chainPem || !m.keyPem) this.gateFail(s, step, `${name} has no certificate installed`);
          checkPair(m.chainPem, m.keyPem, `certificate ${name}`);
          const chain = splitPem(m.chainPem);
          const leaf = new X509Certificate(chain[0]!);
          if (issuerOf(leaf, newIssuer) !== s.newCaId)
            this.gateFail(s, step, `${name} still holds a leaf that does not chain to ${s.newCaId}`);
          if (spec.probe) {
            const cmp = compareServed(await this.ctx.probe(spec.probe), chain);
            if (!cmp.matches) this.gateFail(s, step, `${name}: ${cmp.message}`);
          }
        }
        return;
      }
    }
  }
}
