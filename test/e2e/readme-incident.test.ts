/**
 * End to end: the README's incident story, run as a new user would on the example as shipped. The
 * commands are read from README.md (the set-up command, then every line of the Incidents section's
 * shell block), never copied here, so a README that drifts from what works fails this test.
 *
 * They run in a copy of the checkout (bin, src, examples; node_modules linked — that is what
 * `npm ci` would give, so the set-up command runs without it) because the example keeps its state
 * in `.holdfast-tmp/shop` under the checkout and listens on the fixed ports 8443 and 8444. The one
 * liberty taken: `<id>` in a command is the incident id the upload printed, as a reader would type it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;

/** The shell blocks of a README section: each block's command lines, comments after two spaces dropped. */
function shellBlocks(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const next = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]!
      .split('\n')
      .map((l) => l.replace(/\s{2,}#\s.*$/, '').trim())
      .filter(Boolean),
  );
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

function getJson(url: string, ca: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    request(url, { ca, servername: 'localhost' }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve(JSON.parse(text)));
    })
      .once('error', reject)
      .end();
  });
}

describe("the README's incident commands, verbatim, on the shipped example", { timeout: 420_000 }, () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const setup = shellBlocks(readme, 'Set-up')[0]![0]!;
  const story = shellBlocks(readme, 'Incidents')[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-readme-'));
  const state = join(dir, '.holdfast-tmp', 'shop');
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(HOLDFAST_|SHOP_)/.test(k)));
  let serve: ChildProcess | undefined;
  let log = '';

  async function waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
    for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 200))) {
      if (serve?.exitCode !== null) throw new Error(`${what}: serve exited ${serve?.exitCode}:\n${log.slice(-3000)}`);
      if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms:\n${log.slice(-3000)}`);
    }
  }

  before(async () => {
    for (const p of ['bin', 'src', 'examples', 'package.json', 'tsconfig.json']) cpSync(join(root, p), join(dir, p), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    for (const port of [8443, 8444]) assert.ok(await portFree(port), `port ${port} is in use: the shipped example listens there (is a demo or another run of this test up?)`);
    assert.match(setup, /^npm ci && /, 'the set-up command installs, then serves');
    serve = spawn('sh', ['-c', setup.replace(/^npm ci && /, '')], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    serve.stdout!.setEncoding('utf8').on('data', (c: string) => (log += c));
    serve.stderr!.setEncoding('utf8').on('data', (c: string) => (log += c));
  });

  after(async () => {
    if (serve?.pid && serve.exitCode === null) {
      const exited = new Promise((r) => serve!.once('exit', r));
      process.kill(-serve.pid, 'SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('serve runs v1 and backs it up; the documented steps deploy v2, upload its report, and the approved incident restores v1 and succeeds', async () => {
    await waitFor('serve backs up v1', () => /"msg":"snapshot [0-9a-f]{12}:/.test(log), 120_000);
    const running = () => JSON.parse(readFileSync(join(state, 'running.json'), 'utf8')) as { release: string; commit: string };
    assert.equal(running().release, 'v1');
    const v1 = readFileSync(join(dir, 'examples/shop/releases/v1/commit'), 'utf8').trim();

    let id = '';
    const outputs: string[] = [];
    for (const line of story) {
      if (line.includes('<id>')) assert.ok(id, `${line}: no incident id printed before it`);
      const command = line.replaceAll('<id>', id);
      const r = spawnSync('sh', ['-c', command], { cwd: dir, env, encoding: 'utf8', timeout: 180_000 });
      assert.equal(r.status, 0, `${command}\nexited ${r.status}:\n${r.stdout}\n${r.stderr}\nserve:\n${log.slice(-3000)}`);
      outputs.push(r.stdout);
      id ||= /incident (inc-\S+) proposed for volume shop-data/.exec(r.stdout)?.[1] ?? '';
    }
    assert.ok(id, `no incident was proposed:\n${outputs.join('\n')}`);
    assert.match(outputs.join('\n'), /"options":\{"note"/, 'v2 stored the crafted order');
    assert.match(outputs.join('\n'), new RegExp(`incident ${id}: succeeded`));

    const report = join(state, 'holdfast', 'incidents', id, 'report.md');
    assert.ok(existsSync(report), `the report ${report} is written`);
    const md = readFileSync(report, 'utf8');
    assert.match(md, /serves the new certificate; trusted by the CA bundle; new key/);
    assert.match(md, new RegExp(`shop runs ${v1.slice(0, 12)} \\(expected ${v1.slice(0, 12)}\\)`));
    assert.equal(running().release, 'v1', 'the shop runs the known-good release again');
    const ca = readFileSync(join(state, 'certs', 'ca.crt'), 'utf8');
    const health = (await getJson('https://127.0.0.1:8444/healthz', ca)) as { version: string };
    assert.equal(health.version, v1);
    const items = JSON.stringify(await getJson('https://127.0.0.1:8444/items', ca));
    assert.doesNotMatch(items, /steal\(\)/, "the order only v2 accepted is gone with v2's data");
    assert.match(items, /sample order 1/);
  });
});
