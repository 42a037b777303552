import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readSysctls, type HostState } from './node-host.js';
import { saveRecord, sweepStaleRuns, type HostIo, type RunRecord } from './node-teardown.js';

// The sweep's I/O on stand-ins: a folder of sysctl files, a run root of its own, and an observer
// that shows only this test's child process, so nothing on the real host (a real node another
// process may be running) is read as the dead run's or touched.
describe('the bring-up sweeping a killed run (sweepStaleRuns)', () => {
  const root = mkdtempSync(join(tmpdir(), 'hf-sweep-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const sys = join(root, 'sys');
  const set = (name: string, v: string) => {
    mkdirSync(join(sys, name, '..'), { recursive: true });
    writeFileSync(join(sys, name), `${v}\n`);
  };
  const before: HostState = { sysctls: { 'vm/overcommit_memory': '0', 'kernel/panic': '0', 'kernel/panic_on_oops': '0' }, mounts: [], links: ['lo'], netns: [], chains: [], cgroups: [], dirs: [] };
  const runRoot = join(root, 'run');
  const paths = { run: join(runRoot, 'hf-node-a1b2c3'), state: join(root, 'holdfast-node-Xy12Zq') };

  it('puts the sysctls back, kills what the run started and removes its folders, one log line each', async () => {
    for (const d of [paths.run, join(paths.state, 'logs'), join(runRoot, 'hf-node-norec00'), join(runRoot, 'other')]) mkdirSync(d, { recursive: true });
    const record: RunRecord = { paths, netns: 'hf-node-a1b2c3', nsLink: '', prefixes: [paths.state, paths.run], before };
    saveRecord(record);
    for (const [k, v] of Object.entries({ 'vm/overcommit_memory': '1', 'kernel/panic': '10', 'kernel/panic_on_oops': '1' })) set(k, v);
    // A process of the dead run: its command line names the run folder, as the shims' do.
    const child = spawn('sh', ['-c', 'sleep 60', paths.run], { stdio: 'ignore' });
    const alive = () => child.exitCode === null && child.signalCode === null;
    const io: HostIo = {
      sysctlRoot: sys,
      runRoot,
      observe: () => ({
        host: { ...before, sysctls: readSysctls(sys) },
        procs: alive() ? [{ pid: child.pid!, cmdline: readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim(), netns: '', inPodCgroup: false }] : [],
        ownNsLink: 'net:[1]',
      }),
    };
    const lines: string[] = [];
    assert.deepEqual(await sweepStaleRuns((l) => lines.push(l), io), []);
    assert.equal(child.signalCode, 'SIGKILL');
    assert.deepEqual(readSysctls(sys), before.sysctls);
    assert.equal(existsSync(paths.run), false);
    assert.equal(existsSync(paths.state), false);
    // A folder without a record, or not a run's, is not the sweep's to remove.
    assert.equal(existsSync(join(runRoot, 'hf-node-norec00')), true);
    assert.equal(existsSync(join(runRoot, 'other')), true);
    const p = `real node: earlier run ${paths.run}: `;
    assert.deepEqual(lines, [
      `${p}killed pid ${child.pid}: sh -c sleep 60 ${paths.run}`,
      `${p}set vm.overcommit_memory back to 0 (was 1)`,
      `${p}set kernel.panic back to 0 (was 10)`,
      `${p}set kernel.panic_on_oops back to 0 (was 1)`,
      `${p}removed folder ${paths.run}`,
      `${p}removed folder ${paths.state}`,
    ]);
  });

  it('keeps the state folder and names what it could not put back', async () => {
    mkdirSync(paths.run, { recursive: true });
    mkdirSync(paths.state, { recursive: true });
    saveRecord({ paths, netns: 'hf-node-a1b2c3', nsLink: '', prefixes: [paths.state, paths.run], before });
    set('kernel/panic', '10');
    // A sysctl the sweep cannot write: a folder stands where the file was.
    rmSync(join(sys, 'kernel/panic_on_oops'));
    mkdirSync(join(sys, 'kernel/panic_on_oops'));
    const io: HostIo = { sysctlRoot: sys, runRoot, observe: () => ({ host: { ...before, sysctls: readSysctls(sys) }, procs: [], ownNsLink: 'net:[1]' }) };
    const left = await sweepStaleRuns(() => {}, io);
    assert.equal(existsSync(paths.state), true);
    assert.equal(readSysctls(sys)['kernel/panic'], '0');
    assert.match(left.join('\n'), /set kernel\.panic_on_oops back to 0 \(was unreadable\) failed: EISDIR/);
    assert.match(left.join('\n'), /sysctl kernel\.panic_on_oops is undefined, was 0/);
    assert.match(left.at(-1)!, new RegExp(`state and logs kept in ${paths.state}`));
  });
});
