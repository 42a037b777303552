/**
 * The CA directory (`--ca-dir`, default ./holdfast-ca): everything the engine knows, as files.
 *
 *     ca.json               state: CA config, the active CA, the trusted and retired CAs, renewal history
 *     inventory.yaml        the certificate specs (see inventory.ts)
 *     cas/<id>/root.crt     one directory per CA generation, written atomically as a whole;
 *     cas/<id>/root.key       keys 0600 (a key readable by others is refused on load)
 *     cas/<id>/intermediate.{crt,key}   when the generation has an intermediate
 *     issued.jsonl          every leaf issued: serial, name, CA, validity (for revoke-by-CA)
 *     revoked.json          revoked serials per CA
 *     crl/<id>.crl          the CRL each CA's issuing certificate signed (of leaves)
 *     crl/<id>-root.crl     with an intermediate: the root's CRL (of intermediates; empty unless compromised)
 *     rotation.json         the CA rotation state machine (see rotation.ts)
 *     staged/<rotation>/<name>/   leaves reissued during a rotation, waiting for the roll
 */
import { appendFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createPublicKey } from 'node:crypto';
import { errnoCode, fromSystemError } from '../base/errors.js';
import type { CertAuthority } from './ca.js';
import { tlsError } from './errors.js';
import { readKeyFile, readText, writeDirAtomic, writeFileAtomic } from './files.js';
import { formatInventory, parseInventory, type Endpoint, type Inventory } from './inventory.js';
import { parsePrivateKey, privateKeyPem, type KeyAlgorithm } from './keys.js';
import { joinPem } from './pem.js';
import type { CertMaterial } from './target.js';

export interface CaConfig {
  commonName: string;
  algorithm: KeyAlgorithm;
  lifetimeMs: number;
  intermediate: boolean;
}

export interface CaDirState {
  version: 1;
  config: CaConfig;
  active: string;
  /** CAs whose roots are in the trust bundle, oldest first. */
  trusted: string[];
  retired: string[];
  /** Times of past renewals (each a reload), for the budget; only the recent ones are kept. */
  renewals: string[];
}

export interface IssuedRecord {
  serial: string;
  name: string;
  caId: string;
  notBefore: string;
  notAfter: string;
  issuedAt: string;
  /**
   * The serial of the leaf this one took the place of, when its issuer knows it (serve does: the
   * certificate it renews). It ends that leaf's life whatever name it was recorded under.
   */
  replaces?: string;
  /** Where the leaf is served, when its issuer knows it: the retire gate probes it (retire-gate.ts). */
  endpoint?: Endpoint;
}

export interface RevokedEntry {
  serial: string;
  revokedAt: string;
  /** cACompromise only in revoked.json files written before `revoke --ca` used superseded and keyCompromise (engine.ts). */
  reason: 'keyCompromise' | 'cACompromise' | 'superseded' | 'unspecified';
}

export class CaStore {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  private p(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  async exists(): Promise<boolean> {
    return (await stat(this.p('ca.json')).catch(() => undefined)) !== undefined;
  }

  async readState(): Promise<CaDirState> {
    const text = await readText(this.p('ca.json'));
    if (text === undefined)
      throw tlsError(
        'TLS_CA_DIR_MISSING',
        `CA directory ${this.dir}: no ca.json; create one with "holdfast tls init-ca --ca-dir ${this.dir}"`,
      );
    try {
      const s = JSON.parse(text) as CaDirState;
      if (s.version !== 1 || typeof s.active !== 'string' || !Array.isArray(s.trusted))
        throw new Error('bad shape');
      return s;
    } catch (e) {
      throw tlsError('TLS_STATE_CORRUPT', `read ${this.p('ca.json')}: not a Holdfast CA state file`, e);
    }
  }

  async writeState(s: CaDirState): Promise<void> {
    await writeFileAtomic(
      this.p('ca.json'),
      JSON.stringify({ ...s, renewals: s.renewals.slice(-1000) }, null, 2) + '\n',
    );
  }

  async hasCa(id: string): Promise<boolean> {
    return (await stat(this.p('cas', id, 'root.crt')).catch(() => undefined)) !== undefined;
  }

  async saveCa(ca: CertAuthority): Promise<void> {
    const files: Record<string, string> = {
      'root.crt': ca.root.certPem,
      'root.key': privateKeyPem(ca.root.key),
    };
    if (ca.intermediate) {
      files['intermediate.crt'] = ca.intermediate.certPem;
      files['intermediate.key'] = privateKeyPem(ca.intermediate.key);
    }
    await mkdir(this.p('cas'), { recursive: true });
    await writeDirAtomic(this.p('cas', ca.id), files);
  }

  /** Loads a CA generation; a missing, unreadable, too-open or damaged file is one error naming it. */
  async loadCa(id: string): Promise<CertAuthority> {
    const dir = this.p('cas', id);
    const rootPem = await readText(join(dir, 'root.crt'));
    if (rootPem === undefined)
      throw tlsError('TLS_CA_DIR_MISSING', `CA ${id}: ${join(dir, 'root.crt')} is missing`);
    const rootKey = parsePrivateKey(await readKeyFile(join(dir, 'root.key')), join(dir, 'root.key'));
    const ca: CertAuthority = { id, root: { certPem: rootPem, key: rootKey } };
    const intPem = await readText(join(dir, 'intermediate.crt'));
    if (intPem !== undefined) {
      const k = join(dir, 'intermediate.key');
      ca.intermediate = { certPem: intPem, key: parsePrivateKey(await readKeyFile(k), k) };
    }
    return ca;
  }

  /** Root certificates only (no keys): for bundles and for telling which CA issued a certificate. */
  async rootPem(id: string): Promise<string> {
    const pem = await readText(this.p('cas', id, 'root.crt'));
    if (pem === undefined)
      throw tlsError('TLS_CA_DIR_MISSING', `CA ${id}: ${this.p('cas', id, 'root.crt')} is missing`);
    return pem;
  }

  async issuingPem(id: string): Promise<string> {
    return (await readText(this.p('cas', id, 'intermediate.crt'))) ?? (await this.rootPem(id));
  }

  async bundlePem(ids: string[]): Promise<string> {
    return joinPem(await Promise.all(ids.map((id) => this.rootPem(id))));
  }

  get inventoryPath(): string {
    return this.p('inventory.yaml');
  }

  async readInventory(): Promise<Inventory> {
    const text = (await readText(this.inventoryPath)) ?? '';
    return parseInventory(text, this.inventoryPath, this.dir);
  }

  async writeInventory(inv: Inventory): Promise<void> {
    await writeFileAtomic(this.inventoryPath, formatInventory(inv));
  }

  async appendIssued(r: IssuedRecord): Promise<void> {
    try {
      await appendFile(this.p('issued.jsonl'), JSON.stringify(r) + '\n', { mode: 0o644 });
    } catch (e) {
      throw fromSystemError(`append to ${this.p('issued.jsonl')}`, e);
    }
  }

  async readIssued(): Promise<IssuedRecord[]> {
    const text = (await readText(this.p('issued.jsonl'))) ?? '';
    // A crash mid-append can leave a torn last line: skip what does not parse.
    return text
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as IssuedRecord];
        } catch {
          return [];
        }
      });
  }

  async readRevoked(): Promise<Record<string, RevokedEntry[]>> {
    const text = await readText(this.p('revoked.json'));
    return text ? (JSON.parse(text) as Record<string, RevokedEntry[]>) : {};
  }

  async writeRevoked(r: Record<string, RevokedEntry[]>): Promise<void> {
    await writeFileAtomic(this.p('revoked.json'), JSON.stringify(r, null, 2) + '\n');
  }

  /** The issuing certificate's CRL (of leaves), or with 'root' the root's CRL (of intermediates). */
  crlPath(caId: string, which: 'issuing' | 'root' = 'issuing'): string {
    return this.p('crl', which === 'root' ? `${caId}-root.crl` : `${caId}.crl`);
  }

  async writeCrl(caId: string, pem: string, which: 'issuing' | 'root' = 'issuing'): Promise<void> {
    await writeFileAtomic(this.crlPath(caId, which), pem);
  }

  get rotationPath(): string {
    return this.p('rotation.json');
  }

  async readJson<T>(path: string): Promise<T | undefined> {
    const text = await readText(path);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw tlsError('TLS_STATE_CORRUPT', `read ${path}: not valid JSON`, e);
    }
  }

  async writeJson(path: string, v: unknown): Promise<void> {
    await writeFileAtomic(path, JSON.stringify(v, null, 2) + '\n');
  }

  private stagedDir(rotationId: string, name: string): string {
    return this.p('staged', rotationId, name);
  }

  async stage(rotationId: string, name: string, m: CertMaterial): Promise<void> {
    await mkdir(this.p('staged', rotationId), { recursive: true });
    await writeDirAtomic(this.stagedDir(rotationId, name), {
      'tls.crt': m.chainPem,
      'tls.key': m.keyPem,
      'ca.crt': m.caPem,
    });
  }

  async readStaged(rotationId: string, name: string): Promise<CertMaterial | undefined> {
    const d = this.stagedDir(rotationId, name);
    const chainPem = await readText(join(d, 'tls.crt'));
    if (chainPem === undefined) return undefined;
    const keyPem = await readKeyFile(join(d, 'tls.key'));
    createPublicKey(keyPem); // damaged key: throws here, before anything is installed
    return { chainPem, keyPem, caPem: (await readText(join(d, 'ca.crt'))) ?? '' };
  }

  async clearStaged(rotationId: string): Promise<void> {
    await rm(this.p('staged', rotationId), { recursive: true, force: true });
  }

  async listCaIds(): Promise<string[]> {
    try {
      return (await readdir(this.p('cas'))).filter((n) => !n.startsWith('.')).sort();
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return [];
      throw fromSystemError(`list ${this.p('cas')}`, e);
    }
  }
}
