/**
 * The image built from the Dockerfile (scripts/image/build.ts, via test/harness/image.ts), run as
 * its config says — uid 10001, /app, NODE_ENV=production, tini — under chroot, where the host's
 * node_modules cannot be reached. A package the app imports at run time that package.json lists
 * only under devDependencies (or not at all) is missing here after `npm prune --omit=dev`, and these
 * tests fail with ERR_MODULE_NOT_FOUND, as `holdfast operator run` did in a real cluster.
 * Needs root (chroot, namespaces, file owners), like the build.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { holdfastImage, type BuiltImage } from '../harness/image.js';
import { CACHE_DIR } from '../../scripts/image/cache.js';
import { runInImage, unpackImage, type ImageRuntime } from './rootfs.js';

const repo = join(import.meta.dirname, '..', '..');

/**
 * Imports every module the build ships, inside a worker thread (the worker entry points expect a
 * parentPort), and reports the ones that fail to load.
 */
const LOAD_ALL = `
const { Worker } = require('node:worker_threads');
const w = new Worker(\`
  const { readdirSync } = require('node:fs');
  const { join } = require('node:path');
  const { pathToFileURL } = require('node:url');
  const { parentPort } = require('node:worker_threads');
  const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.js') ? [join(d, e.name)] : []);
  (async () => {
    const files = walk('/app/dist');
    const failed = [];
    for (const f of files) { try { await import(pathToFileURL(f).href); } catch (e) { failed.push(f + ': ' + (e.code || '') + ' ' + e.message.split('\\\\n')[0]); } }
    parentPort.postMessage({ count: files.length, failed });
  })();
\`, { eval: true });
w.on('message', (m) => { console.log(JSON.stringify(m)); process.exit(0); });
w.on('error', (e) => { console.error(e); process.exit(1); });
`;

describe('the Holdfast image built from the Dockerfile', { timeout: 40 * 60_000 }, () => {
  let image: BuiltImage;
  let work: string;
  let root: string;
  let config: ImageRuntime;
  const inImage = (args: string[], argv?: string[]) => runInImage(root, config, args, argv ? { argv } : {});

  before(async () => {
    image = await holdfastImage();
    work = mkdtempSync(join(tmpdir(), 'hf-image-'));
    ({ root, config } = unpackImage(image.archive, work));
  });
  after(() => work && rmSync(work, { recursive: true, force: true }));

  it('runs `holdfast --version` through its entry point, as uid 10001', () => {
    const r = inImage(['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version);
    const id = inImage([], ['id', '-u']);
    assert.equal(id.stdout.trim(), '10001');
  });

  it('loads every command (`holdfast --help` registers them all) and `operator run --help`', () => {
    const help = inImage(['--help']);
    assert.equal(help.status, 0, help.stderr);
    for (const cmd of ['backup', 'restore', 'operator', 'incident', 'serve', 'tls']) assert.match(help.stdout, new RegExp(`^  ${cmd}\\b`, 'm'));
    const op = inImage(['operator', 'run', '--help']);
    assert.equal(op.status, 0, op.stderr);
    assert.match(op.stdout, /Usage: holdfast operator run/);
  });

  it('loads every module the build ships, with only the runtime dependencies installed', () => {
    const r = inImage([], ['/usr/local/bin/node', '-e', LOAD_ALL]);
    assert.equal(r.status, 0, r.stderr);
    const { count, failed } = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { count: number; failed: string[] };
    assert.ok(count > 100, `only ${count} modules found in /app/dist`);
    assert.deepEqual(failed, []);
  });

  it('has a Node with the module ABI of the Node that compiled its native modules', () => {
    const r = inImage([], ['/usr/local/bin/node', '-p', 'process.versions.modules']);
    assert.equal(r.stdout.trim(), process.versions.modules, r.stderr);
  });

  it('carries no logs, package lists, caches or host identity', () => {
    const empty = (d: string) => readdirSync(join(root, d));
    assert.deepEqual(empty('var/lib/apt/lists'), []);
    assert.deepEqual(empty('var/log/apt'), []);
    assert.deepEqual(readdirSync(join(root, 'var/log')).filter((f) => f.endsWith('.log')), []);
    assert.deepEqual(readdirSync(join(root, 'var/cache/apt/archives')).filter((f) => f.endsWith('.deb')), []);
    assert.equal(existsSync(join(root, 'etc/machine-id')), false);
    assert.equal(existsSync(join(root, 'var/cache/ldconfig/aux-cache')), false);
    assert.equal(readFileSync(join(root, 'etc/resolv.conf'), 'utf8'), '');
    assert.match(readFileSync(join(root, 'etc/passwd'), 'utf8'), /^holdfast:x:10001:10001::\/home\/holdfast:\/bin\/sh$/m);
  });

  it('is tagged with the image deploy/ and the Helm chart run, so IfNotPresent finds it on the node', () => {
    const values = parse(readFileSync(join(repo, 'deploy/helm/holdfast/values.yaml'), 'utf8')) as { image: { repository: string; tag: string } };
    assert.equal(`${values.image.repository}:${values.image.tag}`, image.ref);
    assert.match(readFileSync(join(repo, 'deploy/operator/20-deployment.yaml'), 'utf8'), new RegExp(`image: ${image.ref.replace(/[.]/g, '\\.')}\\n`));
  });

  it('builds the same config digest again from the same inputs', () => {
    // A fresh cache that shares only the Debian and Node layers and npm ci's output (their own
    // reproducibility is checked by building them twice by hand: docs/kubernetes.md), so
    // the app layer — context copy, tsc, npm prune, tar — is built a second time from scratch.
    const second = join(work, 'cache');
    mkdirSync(join(second, 'layers'), { recursive: true });
    for (const f of readdirSync(join(CACHE_DIR, 'layers')).filter((n) => /^(base|node)-/.test(n)))
      linkSync(join(CACHE_DIR, 'layers', f), join(second, 'layers', f));
    if (existsSync(join(CACHE_DIR, 'npm-ci'))) symlinkSync(join(CACHE_DIR, 'npm-ci'), join(second, 'npm-ci'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'scripts/image/build.ts'), '--json'], {
      encoding: 'utf8',
      env: { ...process.env, HOLDFAST_IMAGE_CACHE: second },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /app layer: built/);
    assert.equal((JSON.parse(r.stdout) as BuiltImage).configDigest, image.configDigest);
  });
});
