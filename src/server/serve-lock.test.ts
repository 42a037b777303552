import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isHoldfastError } from '../base/errors.js';
import { procStat } from '../platform/local/process.js';
import { judgeLock, lockDataDir, type LockOwner } from './serve-lock.js';

const here = { host: 'h1', file: '/d/serve.lock' };
const owner: LockOwner = { pid: 42, start: '1000', host: 'h1', startedAt: '2026-12-01T08:00:00.000Z', address: 'https://127.0.0.1:8443', nonce: 'n' };

describe('judgeLock', () => {
  const cases: { name: string; owner: Parameters<typeof judgeLock>[0]; facts: Parameters<typeof judgeLock>[2]; reason: string; message?: RegExp }[] = [
    { name: 'a missing lock is free', owner: undefined, facts: { running: false }, reason: 'Free' },
    { name: 'a live owner holds it, and the message names its pid and address', owner, facts: { running: true, start: '1000' }, reason: 'Held', message: /^data directory in use by holdfast serve pid 42 \(https:\/\/127\.0\.0\.1:8443, since 2026-12-01T08:00:00\.000Z\); stop it first/ },
    { name: 'a gone owner is taken over', owner, facts: { running: false }, reason: 'OwnerGone', message: /no longer runs/ },
    { name: 'a pid now held by a process started at another time is taken over', owner, facts: { running: true, start: '2000' }, reason: 'PidReused', message: /pid 42 is now another process/ },
    { name: 'a live pid with no start time known is held', owner: { ...owner, start: undefined }, facts: { running: true, start: '2000' }, reason: 'Held' },
    { name: 'a lock from another host cannot be judged here: held', owner: { ...owner, host: 'h2' }, facts: { running: false }, reason: 'OtherHost', message: /on host h2; if that host is gone, remove \/d\/serve\.lock/ },
    { name: 'a file that is no lock is not taken over', owner: 'unreadable', facts: { running: false }, reason: 'Unreadable', message: /is not a lock holdfast wrote/ },
  ];
  for (const c of cases)
    it(c.name, () => {
      const v = judgeLock(c.owner, here, c.facts);
      assert.equal(v.reason, c.reason);
      if (c.message) assert.match(v.message, c.message);
    });
});

describe('lockDataDir (real files, real processes)', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'holdfast-lock-'));
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const now = new Date('2026-12-01T08:00:00Z');
  const write = (d: string, o: Partial<LockOwner>) =>
    writeFileSync(join(d, 'serve.lock'), JSON.stringify({ ...owner, host: hostname(), ...o }));

  it('refuses while another live process holds it, and takes it once released', async () => {
    const d = dir();
    const child = spawn('sleep', ['30']);
    try {
      write(d, { pid: child.pid!, start: procStat(child.pid!)!.start });
      await assert.rejects(lockDataDir(d, { address: '127.0.0.1:1', now }), (e) => isHoldfastError(e, 'DATA_DIR_IN_USE') && new RegExp(`pid ${child.pid} `).test(e.message));
      assert.equal(JSON.parse(readFileSync(join(d, 'serve.lock'), 'utf8')).pid, child.pid, 'the owner\'s lock is untouched');
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.once('exit', r));
    const heard: string[] = [];
    const lock = await lockDataDir(d, { address: '127.0.0.1:1', now, onTakeover: (m) => heard.push(m) });
    assert.match(heard.join(), /no longer runs/);
    assert.equal(JSON.parse(readFileSync(join(d, 'serve.lock'), 'utf8')).pid, process.pid);
    await lock.release();
  });

  it('takes over a lock whose pid now belongs to another process', async () => {
    const d = dir();
    write(d, { pid: process.pid, start: '1' }); // this very pid, but "started" at another time
    const heard: string[] = [];
    const lock = await lockDataDir(d, { address: '127.0.0.1:1', now, onTakeover: (m) => heard.push(m) });
    assert.match(heard.join(), /is now another process/);
    await lock.release();
  });

  it('holds against a second taker in the same process, records the address, and releases only its own lock', async () => {
    const d = dir();
    const first = await lockDataDir(d, { address: '127.0.0.1:8443', now });
    await assert.rejects(lockDataDir(d, { address: '127.0.0.1:9443', now }), (e) => isHoldfastError(e, 'DATA_DIR_IN_USE') && /127\.0\.0\.1:8443/.test(e.message));
    await first.setAddress('https://127.0.0.1:8443');
    assert.equal(JSON.parse(readFileSync(join(d, 'serve.lock'), 'utf8')).address, 'https://127.0.0.1:8443');
    await first.release();
    assert.throws(() => readFileSync(join(d, 'serve.lock')), /ENOENT/);
  });

  it('refuses a lock file it did not write instead of removing it', async () => {
    const d = dir();
    writeFileSync(join(d, 'serve.lock'), 'garbage');
    await assert.rejects(lockDataDir(d, { address: '127.0.0.1:1', now }), /is not a lock holdfast wrote/);
    assert.equal(readFileSync(join(d, 'serve.lock'), 'utf8'), 'garbage');
  });
});
