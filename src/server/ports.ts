/**
 * The seams between the control plane and the engines it drives, each as small as the scheduler
 * and the routes need. Adapters in engines/ bind them to src/backup, src/tls and src/sast; the
 * control plane itself knows only these shapes.
 */
import type { Provenance } from '../backup/snapshot/provenance.js';
import type { Catalog } from '../catalog/index.js';
import type { Severity, SeverityPolicy } from '../sast/index.js';
import type { ChangeSignals, SignalThresholds, Suspicion } from '../policy/change-signals.js';

export interface SnapshotInfo {
  id: string;
  time: Date;
  tags: string[];
  provenance: Provenance | undefined;
  /** What the backup recorded: a verified restore must bring back exactly this much. */
  files: number;
  bytes: number;
}

/** One opened repository. Every method throws HoldfastError (DISK_FULL, BLOB_NOT_FOUND, ...). */
export interface RepositoryPort {
  backup(o: {
    source: string;
    tags: string[];
    provenance: Provenance;
    excludes: string[];
    /** The first entry that cannot be read fails the backup (no snapshot) instead of being skipped. */
    failOnUnreadable?: boolean;
    /** Judge the backup's change signals with these (the policy's changeSignals). */
    signalThresholds?: SignalThresholds;
  }): Promise<{
    snapshotId: string;
    time: Date;
    bytes: number;
    files: number;
    addedBytes: number;
    /** Entries left out or stored with a caveat (unreadable, changed while read), one message each. */
    skipped?: string[];
    /** What changed against the parent, and the judgement against the volume's history. */
    signals?: ChangeSignals;
    suspicion?: Suspicion;
  }>;
  /** Restores into `target` (which must be empty), reading and authenticating every chunk. */
  restore(o: { snapshot: string; target: string }): Promise<{ bytes: number; files: number }>;
  snapshots(): Promise<SnapshotInfo[]>;
  /** Applies retention; returns the ids removed. */
  forget?(o: { policy: Record<string, unknown>; tags?: string[]; keepBeforeSuspicious?: number }): Promise<string[]>;
  /** Gives the repository the catalog's records it lacks (src/recovery): what a rebuild of the catalog needs. */
  pushCatalog?(catalog: Catalog): Promise<{ pushed: number; already: number }>;
  /**
   * Frees what no snapshot references (two-phase: condemn, then delete once no backup that started
   * before the condemnation is alive). Throws REPO_LOCKED (conflict) when another prune holds the
   * repository, BLOB_* / DISK_FULL from the store.
   */
  prune(o: { graceMs: number }): Promise<PruneOutcome>;
}

export interface PruneOutcome {
  /**
   * How much the repository's packs shrank during the prune: the packs deleted minus what repacking
   * wrote again (a backup writing meanwhile counts against it too; never below 0).
   */
  freedBytes: number;
  /** Bytes of the packs deleted (their live blobs, if repacked, were written again first). */
  deletedBytes: number;
  deletedPacks: number;
  condemnedPacks: number;
  repackedPacks: number;
  rescuedPacks: number;
  deletedOrphans: number;
  /** Deletion plans kept for a later prune, each saying which live backups it waits for. */
  deferred: string[];
  /** Packs the store's object lock holds. */
  held: number;
}

export interface BackupPort {
  /** Opens the repository at `location`, creating it first when it has none and `init` is set. */
  open(location: string, password: string, o: { init: boolean }): Promise<RepositoryPort>;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** The trust bundle: every root the CA trusts, not only the one this leaf chains to. */
  caPem: string;
  serial: string;
  notAfter: Date;
  fingerprint256: string;
  /** Issued above the 398-day default because the cap was raised: said once, when it is issued. */
  warning?: string | undefined;
}

/** Issues leaf certificates from Holdfast's CA (kept in `caDir`). */
export interface CertificatePort {
  issue(o: {
    caDir: string;
    /**
     * The name the leaf is recorded under in the CA's issued.jsonl, one per certificate serve keeps
     * (`serve/<policy>`, `serve:api`): the newest leaf under a name supersedes the older ones, so two
     * certificates sharing a commonName (or a policy named api and the API's own) must not share it.
     */
    inventoryName: string;
    /** The serial of the leaf this one replaces (the one on disk), so it stops counting as live. */
    replaces?: string;
    /** Where the leaf is served: a CA rotation's retire gate probes it before the old root goes. */
    endpoint?: { host: string; port: number; serverName?: string };
    commonName: string;
    dnsNames: string[];
    ipAddresses: string[];
    validityMs: number;
    /**
     * The cap and the config setting that raises it (`certificates.<name>.maxValidity`), named in a
     * refusal; absent, the 398-day default, which nothing raises (the API's own certificate).
     */
    maxValidity?: { ms: number; setting: string };
  }): Promise<IssuedCertificate>;
  /**
   * Every root the CA in `caDir` trusts (PEM, oldest first): what clients must hold, two roots
   * during a CA rotation. Empty when there is no CA yet.
   */
  trustBundle(caDir: string): Promise<string>;
  /** The active CA's issuing certificate (PEM): leaves not signed by it are renewed. Undefined without a CA. */
  activeIssuer(caDir: string): Promise<string | undefined>;
  /** Re-signs the CA's CRLs that are past half their validity; returns the paths written. */
  refreshCrls(caDir: string): Promise<string[]>;
  /**
   * How long clients get to re-read a trust bundle before a leaf from a new root is served: the
   * latest rotation's period (rotation.json), else the inventory's rotation.propagation; 0 without a CA.
   */
  propagationMs(caDir: string): Promise<number>;
}

export interface SarifIngestResult {
  scans: number;
  results: number;
  /** Every new finding at or above `triggerAtOrAbove`, and the most severe of the rest: 1000 in all at most. */
  newFindings: { id: string; severity: string; ruleId: string; message: string }[];
  newFindingsCount: number;
  warnings: string[];
}

/** Ingests one SARIF log for a version. Throws HoldfastError kind invalid-input for a malformed report. */
export interface SastPort {
  ingest(
    report: Buffer,
    o: { name: string; repository: string; commit: string; ref: string; imageDigest?: string | undefined; triggerAtOrAbove?: Severity; severityPolicy?: SeverityPolicy },
  ): Promise<SarifIngestResult>;
  /** Ends running ingests (they fail with INGEST_ABORTED, writing nothing): for shutdown. */
  close(): Promise<void>;
}
