import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { earlyKeySource, optionValue } from './early-key.js';
import { deriveKey, startDerivation } from '../backup/crypto/kdf.js';

describe('which repository and password a command line names, read before the command loads', () => {
  const env = { HOLDFAST_PASSWORD: 'pw' };
  for (const [name, argv, environment, expected] of [
    ['a backup with --repo and the password in the environment', ['backup', '/data', '--repo', '/r'], env, { repo: '/r', password: { value: 'pw' } }],
    ['--repo=value', ['snapshots', '--repo=/r'], env, { repo: '/r', password: { value: 'pw' } }],
    ['-r value', ['restore', 'latest', '-r', '/r', '--target', '/t'], env, { repo: '/r', password: { value: 'pw' } }],
    ['-rvalue', ['check', '-r/r'], env, { repo: '/r', password: { value: 'pw' } }],
    ['the flag wins over HOLDFAST_REPO', ['snapshots', '-r', '/flag'], { ...env, HOLDFAST_REPO: '/env' }, { repo: '/flag', password: { value: 'pw' } }],
    ['HOLDFAST_REPO alone', ['ls', 'latest'], { ...env, HOLDFAST_REPO: '/env' }, { repo: '/env', password: { value: 'pw' } }],
    ['a password file wins over HOLDFAST_PASSWORD, as in common.ts', ['backup', '/d', '-r', '/r', '--password-file', '/pw'], env, { repo: '/r', password: { file: '/pw' } }],
    ['HOLDFAST_PASSWORD_FILE', ['key', 'list', '-r', '/r'], { HOLDFAST_PASSWORD_FILE: '/pwf' }, { repo: '/r', password: { file: '/pwf' } }],
    ['--new-password-file is not the password file', ['key', 'add', '-r', '/r', '--new-password-file', '/new'], env, { repo: '/r', password: { value: 'pw' } }],
    ['no password: it would be asked for', ['snapshots', '-r', '/r'], {}, undefined],
    ['no repository', ['snapshots'], env, undefined],
    ['repo init derives a new key, not an existing one', ['repo', 'init', '-r', '/r'], env, undefined],
    ['a command that opens no repository', ['tls', 'status', '-r', '/r'], env, undefined],
    ['--help opens nothing', ['backup', '--help', '-r', '/r'], env, undefined],
    ['options after -- are arguments', ['backup', '-r', '/r', '--', '--repo', '/x'], env, { repo: '/r', password: { value: 'pw' } }],
  ] as const) {
    it(name, () => assert.deepEqual(earlyKeySource(argv, environment), expected));
  }

  it('the last of a repeated option wins, as in commander', () => assert.equal(optionValue(['-r', '/a', '--repo', '/b'], '--repo', '-r'), '/b'));
});

describe('a key derivation started early', () => {
  const cost = { N: 1 << 10, r: 8, p: 1 };

  it('gives the key a derivation at the time of need would', async () => {
    const salt = randomBytes(32);
    const expected = await deriveKey('right', salt, cost);
    startDerivation('right', salt, cost);
    assert.deepEqual(await deriveKey('right', salt, cost), expected);
  });

  it('is never used for another password: that password gets its own key', async () => {
    const salt = randomBytes(32);
    const expected = await deriveKey('other', salt, cost);
    startDerivation('guessed', salt, cost);
    assert.deepEqual(await deriveKey('other', salt, cost), expected);
  });

  it('is never used for another salt or cost', async () => {
    const salt = randomBytes(32);
    startDerivation('pw', salt, cost);
    const other = randomBytes(32);
    assert.deepEqual(await deriveKey('pw', other, cost), await deriveKey('pw', other, { ...cost }));
    assert.notDeepEqual(await deriveKey('pw', salt, { ...cost, p: 2 }), await deriveKey('pw', salt, cost));
  });
});
