/**
 * The inventory: the certificates a CA directory issues, one spec each, in `inventory.yaml`.
 * Schema at the edge (zod); the engine works on the parsed `CertSpec`. See docs/tls.md.
 */
import { isAbsolute, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { tlsError } from './errors.js';
import { parseKeyAlgorithm, type KeyAlgorithm } from './keys.js';
import { validateSans, type SanSet } from './sans.js';
import type { Usage } from './issue.js';
import type { Budget } from './budget.js';

const Reload = z
  .object({
    command: z.string().min(1).optional(),
    signal: z
      .string()
      .regex(/^SIG[A-Z0-9]+$/)
      .optional(),
    pidFile: z.string().optional(),
  })
  .strict();

const Probe = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    serverName: z.string().optional(),
  })
  .strict();

const Spec = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_", "-"'),
    commonName: z.string().min(1).max(64).optional(),
    dnsNames: z.array(z.string()).default([]),
    ipAddresses: z.array(z.string()).default([]),
    uris: z.array(z.string()).default([]),
    usages: z
      .array(z.enum(['serverAuth', 'clientAuth']))
      .min(1)
      .default(['serverAuth']),
    algorithm: z.string().default('ecdsa-p256'),
    lifetime: z.string().default('90d'),
    renewBefore: z.string().optional(),
    rotateKey: z.boolean().default(true),
    /** A consumer that only needs the trust bundle (a client): it gets trust-bundle.pem, no leaf. */
    trustOnly: z.boolean().default(false),
    outDir: z.string().min(1),
    reload: Reload.optional(),
    probe: Probe.optional(),
  })
  .strict();

const File = z
  .object({
    version: z.literal(1).default(1),
    renewal: z
      .object({
        maxPerWindow: z.number().int().min(1).default(1),
        window: z.string().default('10m'),
        jitter: z.number().min(0).max(1).default(0.1),
      })
      .strict()
      .default({}),
    rotation: z
      .object({
        /**
         * How long consumers get to re-read a bundle with both roots before a leaf from the new CA
         * is served. The default covers a kubelet-synced ConfigMap: the kubelet's sync period (1m)
         * plus its ConfigMap cache TTL (1m), with room for jitter.
         */
        propagation: z.string().default('3m'),
        /** How long the retire gate waits for other issuers (holdfast serve) to renew leaves of the old CA. */
        retireWait: z.string().default('15m'),
      })
      .strict()
      .default({}),
    /** No leaf lives longer than this (default 398d); above 398d each issuance warns. */
    maxLifetime: z.string().default('398d'),
    certificates: z.array(Spec).default([]),
  })
  .strict();

export type CertSpecInput = z.input<typeof Spec>;
type SpecRaw = z.output<typeof Spec>;

export interface Endpoint {
  host: string;
  port: number;
  serverName?: string;
}

export interface CertSpec {
  name: string;
  commonName?: string;
  sans: SanSet;
  usages: Usage[];
  algorithm: KeyAlgorithm;
  lifetimeMs: number;
  renewBeforeMs?: number;
  rotateKey: boolean;
  trustOnly: boolean;
  /** Absolute. */
  outDir: string;
  reload?: { command?: string; signal?: string; pidFile?: string };
  probe?: Endpoint;
  /** As written in the file, for writing it back unchanged. */
  raw: SpecRaw;
}

export interface RotationTimings {
  propagationMs: number;
  retireWaitMs: number;
}

export const DEFAULT_ROTATION_TIMINGS: RotationTimings = { propagationMs: 180_000, retireWaitMs: 900_000 };

export interface Inventory {
  budget: Budget;
  jitter: number;
  rotation: RotationTimings;
  maxLifetimeMs: number;
  certificates: CertSpec[];
}

function toSpec(raw: SpecRaw, baseDir: string): CertSpec {
  const where = `certificate ${raw.name}`;
  const spec: CertSpec = {
    name: raw.name,
    sans: raw.trustOnly
      ? { dns: [], ip: [], uri: [] }
      : validateSans({ dns: raw.dnsNames, ip: raw.ipAddresses, uri: raw.uris }, where),
    usages: [...new Set(raw.usages)],
    algorithm: parseKeyAlgorithm(raw.algorithm),
    lifetimeMs: parseDuration(raw.lifetime, `${where} lifetime`),
    rotateKey: raw.rotateKey,
    trustOnly: raw.trustOnly,
    outDir: isAbsolute(raw.outDir) ? raw.outDir : resolve(baseDir, raw.outDir),
    raw,
  };
  if (raw.commonName) spec.commonName = raw.commonName;
  if (raw.renewBefore) spec.renewBeforeMs = parseDuration(raw.renewBefore, `${where} renewBefore`);
  if (raw.reload) spec.reload = raw.reload;
  if (raw.probe) spec.probe = raw.probe;
  if (spec.renewBeforeMs !== undefined && spec.renewBeforeMs >= spec.lifetimeMs)
    throw tlsError('TLS_INVALID_SPEC', `${where}: renewBefore must be shorter than the lifetime`);
  if (spec.reload?.signal && !spec.reload.pidFile)
    throw tlsError('TLS_INVALID_SPEC', `${where}: reload.signal needs reload.pidFile`);
  return spec;
}

/** Validates one spec as the CLI builds it, with relative paths resolved against `baseDir`. */
export function parseSpec(input: CertSpecInput, baseDir: string): CertSpec {
  const r = Spec.safeParse(input);
  if (!r.success) throw tlsError('TLS_INVALID_SPEC', `certificate ${input.name ?? '?'}: ${issue(r.error)}`);
  return toSpec(r.data, baseDir);
}

function issue(e: z.ZodError): string {
  const i = e.issues[0]!;
  return `${i.path.join('.') || 'value'}: ${i.message}`;
}

export function parseInventory(text: string, where: string, baseDir: string): Inventory {
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (e) {
    throw tlsError(
      'TLS_INVALID_SPEC',
      `read ${where}: not valid YAML: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  const r = File.safeParse(doc);
  if (!r.success) throw tlsError('TLS_INVALID_SPEC', `read ${where}: ${issue(r.error)}`);
  const names = new Set<string>();
  const certificates = r.data.certificates.map((raw) => {
    if (names.has(raw.name))
      throw tlsError('TLS_INVALID_SPEC', `read ${where}: certificate ${raw.name} is listed twice`);
    names.add(raw.name);
    return toSpec(raw, baseDir);
  });
  return {
    budget: {
      max: r.data.renewal.maxPerWindow,
      windowMs: parseDuration(r.data.renewal.window, `${where} renewal.window`),
    },
    jitter: r.data.renewal.jitter,
    maxLifetimeMs: parseDuration(r.data.maxLifetime, `${where} maxLifetime`),
    rotation: {
      propagationMs: parseDurationOrZero(r.data.rotation.propagation, `${where} rotation.propagation`),
      retireWaitMs: parseDurationOrZero(r.data.rotation.retireWait, `${where} rotation.retireWait`),
    },
    certificates,
  };
}

const fmt = (ms: number) => `${Math.round(ms / 1000)}s`;

/** A wait that may be zero ("0s": do not wait). */
export function parseDurationOrZero(s: string, where: string): number {
  return /^\s*0+\s*[a-z]*\s*$/.test(s) ? 0 : parseDuration(s, where);
}

export function formatInventory(inv: Inventory): string {
  return stringify({
    version: 1,
    renewal: {
      maxPerWindow: inv.budget.max,
      window: `${Math.round(inv.budget.windowMs / 1000)}s`,
      jitter: inv.jitter,
    },
    rotation: { propagation: fmt(inv.rotation.propagationMs), retireWait: fmt(inv.rotation.retireWaitMs) },
    maxLifetime: inv.maxLifetimeMs % 86_400_000 === 0 ? `${inv.maxLifetimeMs / 86_400_000}d` : `${Math.round(inv.maxLifetimeMs / 1000)}s`,
    certificates: inv.certificates.map((c) => c.raw),
  });
}
