/**
 * When to renew: pure functions, no I/O, no clock of their own.
 *
 * A certificate is renewed at 2/3 of its lifetime, or `renewBefore` ahead of expiry when that is
 * set, minus a jitter that is stable per certificate (hashed from its serial, so re-running the
 * decision does not move the time) and spreads a fleet issued together over up to `jitter` of the
 * time before that point. Renewal is never moved later than asked, only earlier.
 *
 * `renewalDecision` is an ordered chain of policies in the style of cert-manager's: the first one
 * that fires gives the reason and the message.
 */
import { createHash } from 'node:crypto';

export interface CertTimes {
  notBefore: Date;
  notAfter: Date;
  serial: string;
}

export interface RenewalTiming {
  renewBeforeMs?: number;
  /** Fraction (0..1) of the time before the renewal point over which jitter spreads; default 0.1. */
  jitter?: number;
}

export const DEFAULT_JITTER = 0.1;

/** A number in [0, 1) derived from a seed: the same seed always gives the same number. */
export function unitHash(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) / 2 ** 32;
}

export function renewalTime(cert: CertTimes, timing: RenewalTiming = {}): Date {
  const nb = cert.notBefore.getTime();
  const na = cert.notAfter.getTime();
  const lifetime = Math.max(0, na - nb);
  const rb = timing.renewBeforeMs;
  const base = rb !== undefined && rb > 0 && rb < lifetime ? na - rb : nb + Math.floor((lifetime * 2) / 3);
  const jitter = Math.min(1, Math.max(0, timing.jitter ?? DEFAULT_JITTER));
  return new Date(base - Math.floor((base - nb) * jitter * unitHash(cert.serial)));
}

/** What is installed at a target now, as far as renewal cares. */
export interface Installed extends CertTimes {
  keyMatches: boolean;
  issuerCaId: string | undefined;
  /** The installed certificate's SANs and usages equal the spec's. */
  specMatches: boolean;
}

export type RenewalReason =
  'Missing' | 'KeyMismatch' | 'Expired' | 'SpecChanged' | 'IssuerChanged' | 'Due' | 'NotDue';

export interface RenewalDecision {
  renew: boolean;
  reason: RenewalReason;
  message: string;
  /** Set when the certificate is installed: when it is (or was) due. */
  renewAt?: Date;
  /** True for reasons that must not wait for a budget: the workload is, or is about to be, broken. */
  urgent: boolean;
}

export interface DecisionInput {
  now: Date;
  installed: Installed | undefined;
  activeCaId: string;
  timing?: RenewalTiming;
}

type Policy = (i: DecisionInput) => Omit<RenewalDecision, 'renewAt'> | undefined;

const policies: Policy[] = [
  (i) =>
    i.installed
      ? undefined
      : { renew: true, reason: 'Missing', message: 'no certificate is installed', urgent: true },
  (i) =>
    i.installed!.keyMatches
      ? undefined
      : {
          renew: true,
          reason: 'KeyMismatch',
          message: 'the installed key does not match the certificate',
          urgent: true,
        },
  (i) =>
    i.now.getTime() >= i.installed!.notAfter.getTime()
      ? {
          renew: true,
          reason: 'Expired',
          message: `expired on ${i.installed!.notAfter.toISOString()}`,
          urgent: true,
        }
      : undefined,
  (i) =>
    i.installed!.specMatches
      ? undefined
      : {
          renew: true,
          reason: 'SpecChanged',
          message: 'the SANs or usages differ from the spec',
          urgent: false,
        },
  (i) =>
    i.installed!.issuerCaId === i.activeCaId
      ? undefined
      : {
          renew: true,
          reason: 'IssuerChanged',
          message: `issued by ${i.installed!.issuerCaId ?? 'an unknown CA'}, not the active CA ${i.activeCaId}`,
          urgent: false,
        },
];

export function renewalDecision(input: DecisionInput): RenewalDecision {
  const renewAt = input.installed ? renewalTime(input.installed, input.timing) : undefined;
  for (const p of policies) {
    const d = p(input);
    if (d) return renewAt ? { ...d, renewAt } : d;
  }
  const due = input.now.getTime() >= renewAt!.getTime();
  return due
    ? {
        renew: true,
        reason: 'Due',
        message: `renewal was due at ${renewAt!.toISOString()}`,
        renewAt,
        urgent: false,
      }
    : {
        renew: false,
        reason: 'NotDue',
        message: `renews at ${renewAt!.toISOString()}`,
        renewAt,
        urgent: false,
      };
}
