/**
 * repository: the one door to a repository's bytes. It owns the keys, the config, the index and
 * the pack writers; archiver, restorer, checker and prune work through it and never touch packs
 * or index segments themselves.
 */
import { z } from 'zod';
import { authFailed, corrupt, conflict, invalidInput, isHoldfastError, notFound, type HoldfastError } from '../../base/errors.js';
import { putFromFile, type BlobStore } from '../../storage/blob-store.js';
import { Chunker, DEFAULT_CHUNKER, gearTable, type ChunkerParams } from '../chunker/fastcdc.js';
import { keyFileSchema, newMasterKey, unwrapMasterKey, wrapMasterKey, type KdfParams, type KeyFile, type MasterKey } from '../crypto/keys.js';
import { blobId, decodeBlob, open, seal, sealBlobInto } from '../crypto/seal.js';
import { faultPoint } from '../../base/faults.js';
import { MasterIndex, segmentOf, type BlobLocation, type IndexSegment } from '../index/master-index.js';
import { PackBuilder, fetchPackHeader, packName, type BlobType, type FinishedPack, type PackedBlob } from '../pack/pack.js';
import type { StagedPack } from '../pack/pack-file.js';
import { FORMAT_VERSION, PACK_TARGET_SIZE, configSchema, nameId, newConfig, randomName, type RepoConfig } from './format.js';

export interface InitOptions {
  chunker?: ChunkerParams;
  kdf?: KdfParams;
}

export interface RepositoryOptions {
  /** Object-lock retention for every object written (days); the store must support it. */
  lockDays?: number;
  /** Upper bound of pack uploads in flight: bounds memory (each is ~16 MiB). */
  uploadConcurrency?: number;
  packSize?: number;
  /** Told about damage that was skipped (an index segment, snapshot or plan that cannot be read). */
  onWarning?: (message: string) => void;
}

/** A metadata object that could not be read and was skipped; `check` reports it, `repair` fixes it. */
export interface DamagedObject {
  kind: 'index' | 'snapshot' | 'deletion';
  /** The object's full name in the store ("index/3f2a…"). */
  name: string;
  reason: string;
}

/** Damage (the bytes are wrong) is skipped and reported; anything else (network, permission) is not. */
export const isDamage = (e: unknown): e is HoldfastError => isHoldfastError(e) && e.kind === 'corrupt';

/**
 * Index segments are validated by hand, not by zod: a repository's index has one row per blob, and
 * schema-checking hundreds of thousands of tuples dominated the time to open it.
 */
const segmentSchema = z.custom<IndexSegment>((v) => {
  const seg = v as IndexSegment;
  if (typeof v !== 'object' || v === null || seg.version !== 1 || !Array.isArray(seg.packs)) return false;
  for (const p of seg.packs) {
    if (typeof p?.id !== 'string' || !Array.isArray(p.blobs)) return false;
    for (const b of p.blobs)
      if (!Array.isArray(b) || b.length !== 5 || typeof b[1] !== 'string' || typeof b[0] !== 'number' || typeof b[2] !== 'number' || typeof b[3] !== 'number' || typeof b[4] !== 'number')
        return false;
  }
  return true;
}, 'not an index segment');

interface KeyFiles {
  keys: { name: string; file: KeyFile }[];
  /** Key files that do not parse: named and skipped, so one bad file never locks everyone out. */
  damaged: { name: string; reason: string }[];
}

async function readKeyFiles(store: BlobStore): Promise<KeyFiles> {
  const out: KeyFiles = { keys: [], damaged: [] };
  for await (const b of store.list('keys/')) {
    let raw: Buffer;
    try {
      raw = await store.get(b.name);
    } catch (e) {
      if (isHoldfastError(e, 'BLOB_NOT_FOUND')) continue; // removed meanwhile (key remove, passwd)
      throw e;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString());
    } catch {
      out.damaged.push({ name: b.name, reason: 'not valid JSON' });
      continue;
    }
    const parsed = keyFileSchema.safeParse(json);
    if (parsed.success) out.keys.push({ name: b.name, file: parsed.data });
    else out.damaged.push({ name: b.name, reason: `${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}` });
  }
  return out;
}

/** A copy of a blob that cannot be used (damaged, or its pack is gone): try the next copy. */
const isCopyFailure = (e: unknown): e is HoldfastError => isDamage(e) || isHoldfastError(e, 'BLOB_NOT_FOUND');

function copyFailure(pack: string, e: HoldfastError): string {
  return e.code === 'BLOB_NOT_FOUND' ? `pack ${pack.slice(0, 12)} is missing` : e.message;
}

export function blobNotIndexed(id: string, context?: string): HoldfastError {
  return corrupt(
    'BLOB_MISSING',
    `${context ? `${context}: ` : ''}load blob ${id.slice(0, 12)}: not in the index (run 'holdfast repair index' to rebuild the index from the packs; if it is still missing, the data is lost and 'holdfast repair snapshots' salvages the rest)`,
  );
}

export function noIntactCopy(id: string, tried: string[], context?: string): HoldfastError {
  return corrupt(
    'BLOB_UNREADABLE',
    `${context ? `${context}: ` : ''}load blob ${id.slice(0, 12)}: no intact copy in ${tried.length} pack(s) tried (${tried.join('; ')}); run 'holdfast check --read-data' to list what is affected and 'holdfast repair snapshots' to salvage the rest`,
  );
}

const DAMAGE_ADVICE: Record<DamagedObject['kind'], string> = {
  index: "blobs only it lists are unreachable until 'holdfast repair index' rebuilds the index from the packs",
  snapshot: "that snapshot cannot be restored; 'holdfast repair snapshots --forget' removes it",
  deletion: 'its packs are kept; the next prune removes the plan',
};

/** The master key this password opens, trying every key file; a key that fails to open is skipped. */
async function unwrapAny(keys: KeyFiles['keys'], password: string, accept: (m: MasterKey) => boolean): Promise<{ master: MasterKey; name: string } | undefined> {
  for (const k of keys) {
    const master = await unwrapMasterKey(k.file, password, k.name).catch((e: unknown) => {
      if (isHoldfastError(e) && e.kind === 'corrupt') return undefined;
      throw e;
    });
    if (master && accept(master)) return { master, name: k.name };
  }
  return undefined;
}

/** Whether the store holds key files and nothing else: what an init killed before its config leaves. */
async function onlyKeys(store: BlobStore): Promise<boolean> {
  for await (const b of store.list('')) if (!b.name.startsWith('keys/')) return false;
  return true;
}

/**
 * Key first, config last: the config is what makes a repository exist. A re-run after an init
 * killed between the two finishes it with the key already written, when this password opens it;
 * otherwise it says exactly what to remove.
 */
export async function initRepository(store: BlobStore, password: string, opts: InitOptions = {}): Promise<void> {
  if (await store.stat('config')) throw conflict('REPO_EXISTS', `init ${store.location}: a repository already exists there`);
  const existing = await readKeyFiles(store);
  let master: MasterKey;
  if (existing.keys.length + existing.damaged.length > 0) {
    if (!(await onlyKeys(store)))
      throw conflict('REPO_NO_CONFIG', `init ${store.location}: holds data but no config; this is a damaged repository, not an interrupted init: nothing was written`);
    const found = await unwrapAny(existing.keys, password, () => true);
    if (!found)
      throw conflict('REPO_INIT_INTERRUPTED', `init ${store.location}: an interrupted init left key files that this password does not open; run init again with that password, or remove ${store.location}/keys/ (it holds nothing else) and init anew`);
    master = found.master;
  } else {
    master = newMasterKey();
    await store.put(randomName('keys'), Buffer.from(JSON.stringify(await wrapMasterKey(master, password, opts.kdf), null, 2)), { ifNotExists: true });
    await faultPoint('init:key-written');
  }
  const config = newConfig(opts.chunker ?? DEFAULT_CHUNKER);
  await store.put('config', seal(master.encKey, Buffer.from(JSON.stringify(config)), Buffer.from('config')), { ifNotExists: true });
}

export class Repository {
  readonly index = new MasterIndex();
  readonly chunker: Chunker;
  private packers: Record<BlobType, PackBuilder> = { data: new PackBuilder(), tree: new PackBuilder() };
  private uploads = new Set<Promise<void>>();
  private uploadError: unknown;
  /** Blobs saved by this process and not yet in an uploaded pack: dedup within one backup. */
  private pending = new Set<string>();
  readonly stats = { packsWritten: 0, bytesUploaded: 0, blobsNew: 0, blobsReused: 0 };

  private constructor(
    readonly store: BlobStore,
    readonly config: RepoConfig,
    private readonly master: MasterKey,
    readonly keyName: string,
    private readonly opts: RepositoryOptions,
  ) {
    this.chunker = new Chunker(gearTable(Buffer.from(config.chunker.seed, 'base64')), config.chunker);
  }

  static async open(store: BlobStore, password: string, opts: RepositoryOptions = {}): Promise<Repository> {
    const { keys, damaged } = await readKeyFiles(store);
    const configBlob = await store.get('config').catch(async (e: unknown) => {
      if (!isHoldfastError(e, 'BLOB_NOT_FOUND')) throw e;
      if (keys.length + damaged.length > 0 && (await onlyKeys(store)))
        throw notFound('REPO_INIT_INTERRUPTED', `open repository ${store.location}: it has key files but no config (an interrupted 'holdfast repo init'); run init again with the same password to finish it`);
      throw notFound('REPO_NOT_FOUND', `open repository ${store.location}: no repository there (run 'holdfast repo init')`);
    });
    if (keys.length === 0)
      throw corrupt('REPO_NO_KEYS', `open repository ${store.location}: no usable key files${damaged.length ? ` (${damaged.map((d) => `${d.name}: ${d.reason}`).join('; ')})` : ''}`);
    let opened = false;
    // A key this password opens but whose master key does not open the config (left by an
    // interrupted init, or damaged) is skipped: another key may be the repository's.
    const found = await unwrapAny(keys, password, (m) => {
      opened = true;
      try {
        open(m.encKey, configBlob, Buffer.from('config'), 'config');
        return true;
      } catch {
        return false;
      }
    });
    if (!found) {
      if (opened) throw corrupt('CONFIG_DAMAGED', `open repository ${store.location}: the password opens a key, but no key opens the config (the config is damaged)`);
      throw authFailed('WRONG_PASSWORD', `open repository ${store.location}: wrong password (no key matches)`);
    }
    const raw = open(found.master.encKey, configBlob, Buffer.from('config'), 'config');
    let parsedJson: { version?: unknown };
    try {
      parsedJson = JSON.parse(raw.toString()) as { version?: unknown };
    } catch {
      throw corrupt('CONFIG_DAMAGED', `open repository ${store.location}: config is not valid JSON`);
    }
    if (parsedJson.version !== FORMAT_VERSION)
      throw invalidInput('REPO_VERSION', `open repository ${store.location}: format version ${String(parsedJson.version)} is not supported (this Holdfast reads version ${FORMAT_VERSION})`);
    const config = configSchema.parse(parsedJson);
    const repo = new Repository(store, config, found.master, found.name, opts);
    repo.damagedKeys = damaged;
    return repo;
  }

  /** Key files that could not be parsed when the repository was opened (named by `key list`). */
  damagedKeys: KeyFiles['damaged'] = [];

  /** Index segments this process has read or written: prune may replace exactly these. */
  readonly loadedSegments = new Set<string>();
  private readonly damage = new Map<string, DamagedObject>();

  /** Metadata objects skipped because they cannot be read, in the order they were found. */
  get damaged(): DamagedObject[] {
    return [...this.damage.values()];
  }

  /**
   * Records a damaged object once and warns about it: one flipped bit in one segment, snapshot or
   * plan must not make the rest of the repository unusable, but it must never pass silently.
   */
  noteDamage(kind: DamagedObject['kind'], name: string, e: HoldfastError): void {
    if (this.damage.has(name)) return;
    this.damage.set(name, { kind, name, reason: e.message });
    this.opts.onWarning?.(`${e.message}; skipped (${DAMAGE_ADVICE[kind]})`);
  }

  /**
   * For commands that delete data (prune): while an index segment is skipped, the packs only it
   * lists look unreferenced and would be deleted though snapshots use them; while a snapshot is
   * skipped, so would the data only it uses. A damaged deletion plan is no reason to stop.
   */
  assertUndamaged(action: string): void {
    const d = this.damaged.filter((x) => x.kind !== 'deletion');
    if (d.length === 0) return;
    const fix = [...new Set(d.map((x) => (x.kind === 'index' ? "'holdfast repair index'" : "'holdfast repair snapshots --forget'")))].join(' and ');
    throw corrupt('REPO_DAMAGED', `${action}: refusing to delete anything while ${d.map((x) => x.name).join(', ')} cannot be read; run ${fix} first`);
  }

  /**
   * Brings the in-memory index up to date: reads the segments not read yet (they are immutable).
   * A segment read before that is gone now means a prune rewrote the index and deleted packs; what
   * this instance holds may name them (a long-lived instance — the control plane keeps repositories
   * open for days — would deduplicate against deleted data), so it starts over from the store.
   * A segment that cannot be decrypted or parsed is skipped and recorded in `damaged`: the blobs
   * it alone lists are unreachable until `holdfast repair index` rebuilds the index from the packs.
   */
  async loadIndex(): Promise<void> {
    // A segment listed and then deleted before we read it was replaced by a prune (the new segment
    // is written first): list again, and the replacement is there.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.loadIndexOnce();
        break;
      } catch (e) {
        if (attempt >= 3 || !isHoldfastError(e, 'BLOB_NOT_FOUND')) throw e;
      }
    }
    this.index.condemned = await this.condemnedPacks();
  }

  private async loadIndexOnce(): Promise<void> {
    const present: string[] = [];
    for await (const b of this.store.list('index/')) present.push(b.name);
    const now = new Set(present);
    if ([...this.loadedSegments].some((name) => !now.has(name))) {
      this.index.clear();
      this.loadedSegments.clear();
    }
    for (const d of this.damaged) if (d.kind === 'index' && !now.has(d.name)) this.damage.delete(d.name);
    for (const name of present) {
      if (this.loadedSegments.has(name) || this.damage.has(name)) continue;
      try {
        this.index.addSegment(await this.loadJson(name, segmentSchema));
      } catch (e) {
        if (!isDamage(e)) throw e;
        this.noteDamage('index', name, e);
        continue;
      }
      this.loadedSegments.add(name);
    }
  }

  /**
   * Packs named by pending deletion plans. A plan that cannot be read is ignored (its packs stay
   * live): prune rewrites the index before deleting any pack, so ignoring a plan never makes a
   * reader use a pack that is gone; prune removes the damaged plan.
   */
  async condemnedPacks(): Promise<Set<string>> {
    const out = new Set<string>();
    for await (const b of this.store.list('deletions/')) {
      let plan: { packs: string[] };
      try {
        plan = await this.loadJson(b.name, z.object({ packs: z.array(z.string()) }).passthrough());
      } catch (e) {
        // A plan carried out between list and get is simply done.
        if (isHoldfastError(e, 'BLOB_NOT_FOUND')) continue;
        if (!isDamage(e)) throw e;
        this.noteDamage('deletion', b.name, e);
        continue;
      }
      for (const p of plan.packs) out.add(p);
    }
    return out;
  }

  // ---- metadata objects (snapshots, index segments, locks, plans): sealed JSON, AAD = name ----

  async saveJson(kind: Parameters<typeof randomName>[0], value: unknown, name = randomName(kind)): Promise<string> {
    const sealed = seal(this.master.encKey, Buffer.from(JSON.stringify(value)), Buffer.from(name));
    await this.store.put(name, sealed, this.putOptions());
    return name;
  }

  async loadJson<S extends z.ZodTypeAny>(name: string, schema: S): Promise<z.output<S>> {
    const raw = open(this.master.encKey, await this.store.get(name), Buffer.from(name), name);
    let value: unknown;
    try {
      value = JSON.parse(raw.toString());
    } catch {
      throw corrupt('META_FORMAT', `read ${name}: not valid JSON`);
    }
    const r = schema.safeParse(value);
    if (!r.success) throw corrupt('META_FORMAT', `read ${name}: ${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
    return r.data as z.output<S>;
  }

  /** Locks and deletion plans are never retained by object lock: they must be removable. */
  async saveUnretained(name: string, value: unknown, ifNotExists: boolean): Promise<void> {
    const sealed = seal(this.master.encKey, Buffer.from(JSON.stringify(value)), Buffer.from(name));
    await this.store.put(name, sealed, { ifNotExists });
  }

  putOptions(): { retainUntil?: Date } {
    return this.opts.lockDays ? { retainUntil: new Date(Date.now() + this.opts.lockDays * 86_400_000) } : {};
  }

  // ---- blobs ----

  id(data: Uint8Array): string {
    return blobId(this.master.idKey, data);
  }

  /** Whether a blob with this id is already stored (or being stored by us) and may be referenced. */
  has(id: string): boolean {
    return this.pending.has(id) || this.index.hasLive(id);
  }

  /** Seals a blob for storage, exactly as the chunk workers do. */
  sealBlob(id: string, data: Uint8Array): Buffer {
    return Buffer.from(sealBlobInto(this.master.encKey, data, id));
  }

  /** Stores a blob unless it is already there (checked before sealing, which is the cost). */
  async saveBlob(type: BlobType, data: Uint8Array): Promise<{ id: string; isNew: boolean }> {
    const id = this.id(data);
    if (this.has(id)) {
      this.stats.blobsReused++;
      return { id, isNew: false };
    }
    await this.addSealed(type, id, this.sealBlob(id, data), data.length);
    return { id, isNew: true };
  }

  /** Adds an already-sealed blob (from a worker) whose id and plaintext length are known. */
  async addSealed(type: BlobType, id: string, sealed: Buffer, rawLength: number, force = false): Promise<boolean> {
    if (force ? this.pending.has(id) : this.has(id)) {
      this.stats.blobsReused++;
      return false;
    }
    this.pending.add(id);
    this.stats.blobsNew++;
    const packer = this.packers[type];
    packer.add(type, id, sealed, rawLength);
    if (packer.length >= (this.opts.packSize ?? PACK_TARGET_SIZE)) await this.flushPacker(type);
    return true;
  }

  private async flushPacker(type: BlobType): Promise<void> {
    const packer = this.packers[type];
    if (packer.count === 0) return;
    this.packers[type] = new PackBuilder();
    await this.queueUpload(packer.finish(this.master.encKey));
  }

  /** The size at which a pack is finished and written. */
  get packSize(): number {
    return this.opts.packSize ?? PACK_TARGET_SIZE;
  }

  /**
   * Writes a pack that was built elsewhere (a chunk worker's, staged as a file). Its blobs count as
   * stored from now on; `written` runs once the store holds the pack or the upload failed, when
   * its buffers or its file may go. A blob another writer stored meanwhile is simply a second copy.
   */
  async addPack(pack: FinishedPack | StagedPack, written?: () => void): Promise<void> {
    for (const b of pack.blobs) this.pending.add(b.id);
    this.stats.blobsNew += pack.blobs.length;
    await this.queueUpload(pack, written);
  }

  private async queueUpload(pack: FinishedPack | StagedPack, written?: () => void): Promise<void> {
    // Bounded uploads in flight keep memory at a few packs whatever the dataset size.
    while (this.uploads.size >= (this.opts.uploadConcurrency ?? 2)) await Promise.race(this.uploads);
    this.throwUploadError();
    const p = this.uploadPack(pack)
      .catch((e: unknown) => {
        this.uploadError ??= e;
      })
      .finally(written);
    this.uploads.add(p);
    void p.finally(() => this.uploads.delete(p));
  }

  /**
   * Pack first, then its index segment: a crash between the two leaves an unindexed pack, which
   * prune removes after its grace period; a crash after leaves a pack the next backup reuses.
   */
  private async uploadPack(pack: FinishedPack | StagedPack): Promise<void> {
    if ('path' in pack) await putFromFile(this.store, packName(pack.id), pack.path, pack.length, this.putOptions());
    else await this.store.put(packName(pack.id), pack.data, this.putOptions());
    this.loadedSegments.add(await this.saveJson('index', segmentOf([{ id: pack.id, blobs: pack.blobs }])));
    this.index.addPack(pack.id, pack.blobs);
    for (const b of pack.blobs) this.pending.delete(b.id);
    this.stats.packsWritten++;
    this.stats.bytesUploaded += pack.length;
  }

  private throwUploadError(): void {
    if (this.uploadError) throw this.uploadError;
  }

  /** Writes out partial packs and waits for every upload. Call before saving a snapshot. */
  async flush(): Promise<void> {
    await this.flushPacker('data');
    await this.flushPacker('tree');
    await Promise.all(this.uploads);
    this.throwUploadError();
  }

  /**
   * Reads a blob, trying each copy the index knows (a repack or two concurrent writers leave
   * several) until one decrypts and verifies: a damaged or missing copy is skipped, and the error,
   * when no copy works, names the blob and every pack tried.
   */
  async loadBlob(id: string, expect?: BlobType, context?: string): Promise<Buffer> {
    const first = this.index.lookup(id);
    if (first && expect && first.type !== expect) throw corrupt('BLOB_TYPE', `load blob ${id.slice(0, 12)}: is a ${first.type} blob, expected ${expect}`);
    return this.loadFromCopies(id, async (sealed, pack) => this.openBlob(id, sealed, pack), context);
  }

  /** The copy loop of loadBlob, with the opening step given. */
  async loadFromCopies(id: string, openCopy: (sealed: Buffer, pack: string) => Promise<Buffer>, context?: string): Promise<Buffer> {
    const copies = this.index.copies(id);
    if (copies.length === 0) throw blobNotIndexed(id, context);
    const tried: string[] = [];
    for (let from = 0; ; ) {
      const { sealed, at } = await this.readSealed(id, copies, from, tried, context);
      try {
        return await openCopy(sealed, copies[at]!.pack);
      } catch (e) {
        if (!isCopyFailure(e)) throw e;
        this.copyFailed(id, copies[at]!.pack, e, tried);
        from = at + 1;
      }
    }
  }

  /**
   * The sealed bytes of the first copy of `id` that can be read, from `copies[from]` on, and which
   * copy that was. A copy whose pack is gone is skipped (and added to `tried`); when none is left,
   * the error names the blob, every pack tried and `context`.
   */
  async readSealed(id: string, copies: readonly BlobLocation[], from: number, tried: string[], context?: string): Promise<{ sealed: Buffer; at: number }> {
    for (let i = from; i < copies.length; i++) {
      const loc = copies[i]!;
      try {
        return { sealed: await this.store.get(packName(loc.pack), { offset: loc.offset, length: loc.length }), at: i };
      } catch (e) {
        if (!isCopyFailure(e)) throw e;
        this.copyFailed(id, loc.pack, e, tried);
      }
    }
    throw noIntactCopy(id, tried, context);
  }

  /** `length` bytes of `pack` from `offset`: sealed blobs a restore reads together. Throws as the store's get does. */
  readPackRange(pack: string, offset: number, length: number): Promise<Buffer> {
    return this.store.get(packName(pack), { offset, length });
  }

  /** A copy that is damaged or gone: never tried first again by this process, and named in `tried`. */
  copyFailed(id: string, pack: string, e: HoldfastError, tried: string[]): void {
    this.index.markBad(id, pack);
    tried.push(copyFailure(pack, e));
  }

  /**
   * The blob list a pack's own header gives, read with at most two ranged reads (never the whole
   * pack). Throws `corrupt` when the header cannot be read or does not fit a pack of `size` bytes.
   */
  async packHeader(pack: string, size: number): Promise<PackedBlob[]> {
    return fetchPackHeader((range) => this.store.get(packName(pack), range), this.master.encKey, pack, size);
  }

  /** Decrypts and verifies one blob read from `pack`; throws `corrupt` naming both. */
  openBlob(id: string, sealed: Buffer, pack: string): Buffer {
    const what = `blob ${id.slice(0, 12)} from pack ${pack.slice(0, 12)}`;
    const plain = decodeBlob(open(this.master.encKey, sealed, Buffer.from(id, 'hex'), what), what);
    if (this.id(plain) !== id) throw corrupt('BLOB_HASH', `verify ${what}: content does not match its id`);
    return plain;
  }

  /** What a chunk worker needs to name and seal blobs exactly as this repository does. */
  workerKeys() {
    return {
      encKey: this.master.encKey,
      idKey: this.master.idKey,
      gearSeed: new Uint8Array(Buffer.from(this.config.chunker.seed, 'base64')),
      chunker: { min: this.config.chunker.min, avg: this.config.chunker.avg, max: this.config.chunker.max },
    };
  }

  // ---- keys ----

  async listKeys(): Promise<{ id: string; current: boolean; created: string; host: string; user: string; damaged?: string }[]> {
    const { keys, damaged } = await readKeyFiles(this.store);
    const unusable = damaged.map((d) => ({ id: nameId(d.name), current: false, created: '?', host: '?', user: '?', damaged: d.reason }));
    return keys.map((k) => ({
      id: nameId(k.name),
      current: k.name === this.keyName,
      created: k.file.created,
      host: k.file.host,
      user: k.file.user,
    })).concat(unusable);
  }

  async addKey(password: string, kdf?: KdfParams): Promise<string> {
    const name = randomName('keys');
    await this.store.put(name, Buffer.from(JSON.stringify(await wrapMasterKey(this.master, password, kdf), null, 2)), { ifNotExists: true });
    return nameId(name);
  }

  async removeKey(idPrefix: string): Promise<string> {
    const { keys, damaged } = await readKeyFiles(this.store);
    // A damaged key file can be removed too: it opens nothing.
    const matches = [...keys, ...damaged].filter((k) => nameId(k.name).startsWith(idPrefix));
    if (matches.length === 0) throw notFound('KEY_NOT_FOUND', `remove key ${idPrefix}: no such key`);
    if (matches.length > 1) throw invalidInput('KEY_AMBIGUOUS', `remove key ${idPrefix}: prefix matches ${matches.length} keys`);
    const k = matches[0]!;
    if (k.name === this.keyName) throw conflict('KEY_IN_USE', `remove key ${idPrefix}: it is the key you opened the repository with; use another password to remove it`);
    await this.store.delete(k.name);
    return nameId(k.name);
  }

  /** Adds the new password before removing the old one: a crash leaves both working, never none. */
  async changePassword(newPassword: string, kdf?: KdfParams): Promise<string> {
    const id = await this.addKey(newPassword, kdf);
    await this.store.delete(this.keyName);
    return id;
  }
}

