/**
 * The image builder reads the Dockerfile itself (scripts/image/dockerfile.ts), so the image built
 * without an engine and `docker build` cannot drift apart; what it cannot carry out must fail with
 * one line naming the Dockerfile line, never build an image that silently lacks a step.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logicalLines, parseCommand, parseDockerfile, DockerfileError } from '../../scripts/image/dockerfile.js';
import { baseSpec, runtimeConfig } from '../../scripts/image/build.js';

const root = join(import.meta.dirname, '..', '..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

describe('the builder reads the project Dockerfile', () => {
  const stages = parseDockerfile(dockerfile);
  const final = stages.at(-1)!;

  it('takes the runtime packages and the user from the final stage', () => {
    const spec = baseSpec(final, 'http://mirror');
    assert.ok(spec.packages.includes('tini') && spec.packages.includes('ca-certificates'), spec.packages.join(' '));
    assert.deepEqual(spec.accounts, [{ name: 'holdfast', uid: 10001, home: '/home/holdfast', shell: '/bin/sh', createHome: true }]);
    assert.equal(spec.suite, 'bookworm');
  });

  it('takes the user, environment, working directory and entry point for the image config', () => {
    const c = runtimeConfig(final);
    assert.equal(c.user, '10001');
    assert.equal(c.workdir, '/app');
    assert.ok(c.env.includes('NODE_ENV=production'));
    assert.deepEqual(c.entrypoint, ['/usr/bin/tini', '--', 'holdfast']);
    assert.deepEqual(c.cmd, ['--help']);
  });

  it('builds the app in a named build stage and copies its output into the final one', () => {
    assert.equal(stages.length, 2);
    assert.equal(stages[0]!.name, 'build');
    const copies = final.steps.filter((s) => s.kind === 'copy');
    assert.ok(copies.some((c) => c.kind === 'copy' && c.from === 'build' && c.sources[0] === '/src/node_modules'));
  });

  it('takes whatever packages the runtime apt-get line lists, not a fixed set', () => {
    const more = dockerfile.replace('tini ca-certificates', 'tini ca-certificates attr');
    assert.notEqual(more, dockerfile, 'the Dockerfile no longer lists "tini ca-certificates"');
    assert.ok(baseSpec(parseDockerfile(more).at(-1)!, 'm').packages.includes('attr'));
  });
});

describe('lines the builder does not understand fail with one line naming them', () => {
  const cases: [string, string, RegExp][] = [
    ['a VOLUME', 'VOLUME /data', /^Dockerfile:\d+: the image builder \(scripts\/image\) does not understand "VOLUME \/data"$/],
    ['a pipe in a RUN', 'RUN curl -s https://x | sh', /does not understand the command "curl -s https:\/\/x \| sh" in RUN$/],
    ['an unknown command among known ones', 'RUN apt-get update && pip install x', /the command "pip install x" in RUN$/],
    ['apt-get install with Recommends', 'RUN apt-get install -y tini', /the command "apt-get install -y tini" in RUN$/],
    ['an ENTRYPOINT in shell form', 'ENTRYPOINT holdfast', /ENTRYPOINT holdfast \(only the JSON array form\)$/],
    ['a base image other than node:<major>-<suite>', 'FROM alpine:3', /the base image in "FROM alpine:3"/],
  ];
  for (const [name, line, message] of cases)
    it(`rejects ${name}`, () => {
      const text = `FROM node:20-bookworm-slim\n# comment\n${line}\n`;
      assert.throws(() => parseDockerfile(line.startsWith('FROM') ? `${line}\n` : text), (e: Error) => {
        assert.ok(e instanceof DockerfileError);
        assert.match(e.message, message);
        assert.ok(!e.message.includes('\n'));
        assert.ok(e.message.startsWith(line.startsWith('FROM') ? 'Dockerfile:1:' : 'Dockerfile:3:'), e.message);
        return true;
      });
    });

  it('the build script exits 2 with that one line on stderr, and builds nothing', () => {
    const repo = mkdtempSync(join(tmpdir(), 'hf-dockerfile-'));
    try {
      cpSync(join(root, 'package.json'), join(repo, 'package.json'));
      writeFileSync(join(repo, 'Dockerfile'), dockerfile.replace('WORKDIR /app', 'WORKDIR /app\nHEALTHCHECK CMD holdfast --version'));
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/image/build.ts'), '--json', '--context', repo], {
        encoding: 'utf8',
        env: { ...process.env, HOLDFAST_IMAGE_CACHE: join(repo, 'cache') },
      });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^Dockerfile:\d+: the image builder \(scripts\/image\) does not understand "HEALTHCHECK CMD holdfast --version"\n$/);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

describe('RUN commands', () => {
  const cases: [string, ReturnType<typeof parseCommand>][] = [
    ['apt-get update -qq', { kind: 'apt-update' }],
    ['apt-get install -y -qq --no-install-recommends tini ca-certificates', { kind: 'apt-install', packages: ['tini', 'ca-certificates'] }],
    ['apt-get install -y --no-install-recommends Tini', undefined],
    ['rm -rf /var/lib/apt/lists/*', { kind: 'rm-apt-lists' }],
    ['rm -rf /', undefined],
    ['useradd --uid 10001 --create-home --home-dir /home/holdfast holdfast', { kind: 'useradd', name: 'holdfast', uid: 10001, home: '/home/holdfast', createHome: true, shell: '/bin/sh' }],
    ['useradd --system holdfast', undefined],
    ['npm ci --no-audit --no-fund', { kind: 'npm-ci' }],
    ['npm install', undefined],
    ['npx tsc -p tsconfig.build.json', { kind: 'tsc', project: 'tsconfig.build.json' }],
    ['npm prune --omit=dev --no-audit --no-fund', { kind: 'npm-prune-dev' }],
    ['chmod 0755 /app/bin/holdfast.js', { kind: 'chmod', mode: 0o755, path: '/app/bin/holdfast.js' }],
    ['chmod +x /app/bin/holdfast.js', undefined],
    ['ln -s /app/bin/holdfast.js /usr/local/bin/holdfast', { kind: 'symlink', target: '/app/bin/holdfast.js', link: '/usr/local/bin/holdfast' }],
    ['echo $HOME > /x', undefined],
  ];
  for (const [text, want] of cases) it(`reads "${text}" as ${want ? want.kind : 'not understood'}`, () => assert.deepEqual(parseCommand(text), want));

  it('joins continuation lines and keeps the first line number', () => {
    assert.deepEqual(logicalLines('# c\nRUN a \\\n  && b\n\nCMD ["x"]\n'), [
      { line: 2, text: 'RUN a && b' },
      { line: 5, text: 'CMD ["x"]' },
    ]);
  });
});
