/**
 * The port through which the engine reaches a workload's certificate: a *certificate target*.
 * The platform implements it — files plus a reload action on one machine
 * (src/platform/local/cert-target.ts), a `kubernetes.io/tls` Secret, a trust ConfigMap and a
 * rollout in a cluster — and the caller passes it in; the engine never imports a platform.
 */

/** What a target holds. `chainPem` is tls.crt (leaf then intermediates, never the root). */
export interface CertMaterial {
  chainPem: string;
  keyPem: string;
  /** ca.crt: the root the leaf chains to. */
  caPem: string;
  /** When given, the trust bundle is replaced in the same step; otherwise it is kept. */
  bundlePem?: string;
}

export interface InstalledMaterial {
  chainPem?: string;
  keyPem?: string;
  caPem?: string;
  /** The trust bundle the workload verifies peers with: one or more roots. */
  bundlePem?: string;
}

export interface CertTarget {
  /** For messages: where the material lives ("files in ./shop-tls", "secret ns/name"). */
  readonly location: string;
  /**
   * What is installed now; fields are absent when that file is. Throws (a HoldfastError naming the
   * file) when something is there but cannot be used: unreadable, or a key readable by others.
   */
  read(): Promise<InstalledMaterial>;
  /**
   * Installs key, chain and ca.crt as one unit: a reader sees the old set or the new one, never a
   * key from one and a certificate from the other. Keeps the trust bundle unless one is given.
   */
  install(material: CertMaterial): Promise<void>;
  /** Replaces the trust bundle, as one unit with the rest (the rest unchanged). */
  installBundle(bundlePem: string): Promise<void>;
  /** Makes the workload load what is installed (a command, a signal, a rollout); may be a no-op. */
  reload(): Promise<void>;
}

/** Builds the target of a certificate spec; the platform's part of the engine's dependencies. */
export type TargetFactory = (spec: TargetSpec) => CertTarget;

/** The parts of a certificate spec a platform needs to find and reload the workload. */
export interface TargetSpec {
  name: string;
  outDir: string;
  reload?: { command?: string; signal?: string; pidFile?: string };
}
