/**
 * The CLI as a user meets it: the happy path, and each kind of bad input giving one clear line, a
 * non-zero exit code, and nothing overwritten.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ManualClock } from '../../src/platform/clock.js';
import { CaStore, type RotationState } from '../../src/tls/index.js';
import { cli, makeEngine, spec, startDirServer, tempDir, treeHash } from './harness.js';

const DAY = 86_400_000;

/** One line on stderr, naming the problem, no stack trace. */
function oneLine(stderr: string, re: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, /^holdfast: /);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(stderr, /\n\s+at /);
}

async function caAt(dir: string, now: Date, lifetimeMs = 365 * DAY): Promise<string> {
  const engine = makeEngine(join(dir, 'ca'), { clock: new ManualClock(now) });
  return (
    await engine.initCa({ commonName: 'CLI CA', algorithm: 'ecdsa-p256', lifetimeMs, intermediate: false })
  ).active;
}

/** A CA with one certificate and a rotation that crashed right after its prepare phase. */
async function crashedRotation(dir: string): Promise<void> {
  await caAt(dir, new Date());
  await makeEngine(join(dir, 'ca')).issue('web', spec({ name: 'web', dnsNames: ['web.svc'], outDir: join(dir, 'out') }, dir));
  const crash = makeEngine(join(dir, 'ca'), {
    hooks: {
      afterStep: (id, point) => {
        if (id === 'prepare:gate' && point === 'persisted') throw new Error('crash');
      },
    },
  });
  await assert.rejects(crash.rotateCa(), /crash/);
}

async function editRotation(dir: string, edit: (s: RotationState) => void): Promise<void> {
  const p = join(dir, 'ca', 'rotation.json');
  const s = JSON.parse(await readFile(p, 'utf8')) as RotationState;
  edit(s);
  await writeFile(p, JSON.stringify(s));
}

const issueArgs = ['tls', 'issue', '--ca-dir', 'ca', '--name', 'web', '--dns', 'web.svc', '--out-dir', 'out'];

describe('holdfast tls (CLI)', () => {
  it('inits a CA, issues, shows status as a table, JSON and metrics, and plans a rotation', async () => {
    const t = await tempDir();
    try {
      let r = await cli(
        ['tls', 'init-ca', '--ca-dir', 'ca', '--algorithm', 'ecdsa-p384', '--intermediate'],
        t.dir,
      );
      assert.equal(r.status, 0, r.stderr);
      r = await cli(
        [...issueArgs, '--ip', '127.0.0.1', '--uri', 'spiffe://test/web', '--usage', 'serverAuth,clientAuth'],
        t.dir,
      );
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^issued web serial [0-9a-f]+ not-after /);
      r = await cli(['tls', 'status', '--ca-dir', 'ca'], t.dir);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^NAME\s+SERIAL\s+NOT-AFTER\s+DAYS-LEFT/);
      assert.match(r.stdout, /\nweb\s+[0-9a-f]{16}\s+\S+Z\s+90\.0\s/);
      r = await cli(['tls', 'status', '--ca-dir', 'ca', '--json'], t.dir);
      const rows = JSON.parse(r.stdout) as { name: string; ready: boolean }[];
      assert.deepEqual(
        rows.map((x) => [x.name, x.ready]),
        [['web', true]],
      );
      r = await cli(['tls', 'status', '--ca-dir', 'ca', '--metrics'], t.dir);
      assert.match(
        r.stdout,
        /holdfast_certificate_expiration_timestamp_seconds\{name="web",issuer_name="ca-[^"]+"\} \d+/,
      );
      assert.match(
        r.stdout,
        /holdfast_certificate_ready_status\{name="web",issuer_name="[^"]+",condition="True"\} 1/,
      );
      r = await cli(['tls', 'renew', '--ca-dir', 'ca', '--dry-run'], t.dir);
      assert.match(r.stdout, /web: skip \(NotDue: renews at /);
      const before = await treeHash(t.dir);
      r = await cli(['tls', 'rotate-ca', '--ca-dir', 'ca', '--dry-run'], t.dir);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /prepare:\n {2}- create CA/);
      assert.equal(await treeHash(t.dir), before, '--dry-run writes nothing');
      r = await cli(['tls', 'rotate-ca', '--ca-dir', 'ca', '--propagation', '0s'], t.dir);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /finished: ca-\S+ is the only trusted CA/);
    } finally {
      await t.cleanup();
    }
  });

  const cases: {
    name: string;
    setup: (dir: string) => Promise<void>;
    args?: string[];
    code: number;
    line: RegExp;
  }[] = [
    {
      name: 'refuses to issue from an expired CA',
      setup: async (d) => void (await caAt(d, new Date(Date.now() - 10 * DAY), DAY)),
      code: 2,
      line: /CA ca-\S+ root certificate: expired on \S+; rotate or renew the CA/,
    },
    {
      name: 'refuses to issue from a CA that is not yet valid',
      setup: async (d) => void (await caAt(d, new Date(Date.now() + 10 * DAY))),
      code: 2,
      line: /root certificate: not valid before \S+; check the clock/,
    },
    {
      name: 'refuses a CA key that does not match its certificate',
      setup: async (d) => {
        const id = await caAt(d, new Date());
        const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
          type: 'pkcs8',
          format: 'pem',
        });
        const p = join(d, 'ca', 'cas', id, 'root.key');
        await rm(p);
        await writeFile(p, other, { mode: 0o600 });
      },
      code: 5,
      line: /root certificate: the private key does not match the certificate/,
    },
    {
      name: 'refuses a CA key file that others can read',
      setup: async (d) => {
        const id = await caAt(d, new Date());
        await chmod(join(d, 'ca', 'cas', id, 'root.key'), 0o644);
      },
      code: 3,
      line: /read private key \S+root\.key: mode 0644 lets others read it; chmod 600/,
    },
    {
      name: 'refuses an unreadable CA key file',
      setup: async (d) => {
        const id = await caAt(d, new Date());
        const p = join(d, 'ca', 'cas', id, 'root.key');
        await rm(p);
        await mkdir(p);
      },
      code: 2,
      line: /read private key \S+root\.key: not a regular file/,
    },
    {
      name: 'refuses an invalid SAN',
      setup: async (d) => void (await caAt(d, new Date())),
      args: ['tls', 'issue', '--ca-dir', 'ca', '--name', 'web', '--dns', 'bad_name!', '--out-dir', 'out'],
      code: 2,
      line: /certificate web: invalid DNS name "bad_name!"/,
    },
    {
      name: 'refuses an unknown algorithm',
      setup: async (d) => void (await caAt(d, new Date())),
      args: [...issueArgs, '--algorithm', 'dsa-1024'],
      code: 2,
      line: /unknown key algorithm "dsa-1024": use one of ecdsa-p256/,
    },
    {
      name: 'refuses to renew over an installed key file that others can read',
      setup: async (d) => {
        await caAt(d, new Date());
        await makeEngine(join(d, 'ca')).issue(
          'web',
          spec({ name: 'web', dnsNames: ['web.svc'], outDir: join(d, 'out') }, d),
        );
        await chmod(join(d, 'out', '..data', 'tls.key'), 0o640);
      },
      args: ['tls', 'renew', '--ca-dir', 'ca', '--force'],
      code: 3,
      line: /certificate web: read private key \S+tls\.key: mode 0640 lets others read it/,
    },
    {
      name: 'refuses --trust-only with a flag that only a leaf has',
      setup: async (d) => void (await caAt(d, new Date())),
      args: [...issueArgs, '--trust-only'],
      code: 2,
      line: /issue web: --trust-only conflicts with --dns: a trust-only consumer gets the trust bundle, no certificate/,
    },
    {
      name: 'refuses spec flags without --out-dir instead of ignoring them',
      setup: async (d) => void (await caAt(d, new Date())),
      args: ['tls', 'issue', '--ca-dir', 'ca', '--name', 'web', '--dns', 'web.svc', '--lifetime', '30d'],
      code: 2,
      line: /issue web: --dns, --lifetime define the certificate's spec and need --out-dir/,
    },
    {
      name: 'refuses two reload actions',
      setup: async (d) => void (await caAt(d, new Date())),
      args: [...issueArgs, '--reload-command', 'true', '--reload-signal', 'SIGHUP', '--pid-file', 'p'],
      code: 2,
      line: /--reload-command conflicts with --reload-signal/,
    },
    {
      name: 'refuses a lifetime above the inventory cap (398 days by default)',
      setup: async (d) => void (await caAt(d, new Date())),
      args: [...issueArgs, '--lifetime', '825d'],
      code: 2,
      line: /certificate web: lifetime 825d is above the cap of 398d; shorten it, or raise maxLifetime in inventory\.yaml/,
    },
    {
      name: 'refuses a --common-name that is not one of the names instead of writing a CN no client checks',
      setup: async (d) => void (await caAt(d, new Date())),
      args: [...issueArgs, '--common-name', 'shop'],
      code: 2,
      line: /issue web: --common-name conflicts with --dns\/--ip\/--san: common name "shop" is not one of the certificate's DNS names or IP addresses, .*leave it out$/,
    },
    {
      name: 'refuses rotate-ca --keep-key over a pending new-key rotation instead of resuming it',
      setup: async (d) => void (await crashedRotation(d)),
      args: ['tls', 'rotate-ca', '--ca-dir', 'ca', '--keep-key'],
      code: 6,
      line: /rotation rot-\S+ \(\S+rotation\.json\) started with new CA keys and is at phase prepare; finish it with "holdfast tls rotate-ca" \(without --keep-key\)/,
    },
    {
      name: 'refuses a hand-written rotation.json that records a step out of order',
      setup: async (d) => {
        await crashedRotation(d);
        await editRotation(d, (s) => s.done.push('distribute:activate'));
      },
      args: ['tls', 'rotate-ca', '--ca-dir', 'ca'],
      code: 5,
      line: /rotation\.json\): step distribute:activate is recorded as done out of order \(expected distribute:bundle-both:web there\)/,
    },
    {
      name: 'refuses a hand-written rotation.json past distribute when a consumer lacks the new root',
      setup: async (d) => {
        await crashedRotation(d);
        await editRotation(d, (s) => {
          s.done.push('distribute:bundle-both:web', 'distribute:gate', 'distribute:activate');
          s.phase = 'reissue';
        });
      },
      args: ['tls', 'rotate-ca', '--ca-dir', 'ca'],
      code: 9,
      line: /rotation rot-\S+ distribute gate: web does not hold both roots in its trust bundle/,
    },
    {
      name: 'refuses to work without a CA directory',
      setup: async () => {},
      code: 4,
      line: /CA directory \S+: no ca\.json; create one with "holdfast tls init-ca/,
    },
  ];
  for (const c of cases)
    it(`${c.name}, in one line, changing nothing`, async () => {
      const t = await tempDir();
      try {
        await c.setup(t.dir);
        const before = await treeHash(t.dir);
        const r = await cli(c.args ?? issueArgs, t.dir);
        assert.equal(r.status, c.code, r.stderr);
        oneLine(r.stderr, c.line);
        assert.equal(await treeHash(t.dir), before, 'nothing was written or overwritten');
      } finally {
        await t.cleanup();
      }
    });

  it('fails status with one line when an endpoint serves an unexpected chain', async () => {
    const t = await tempDir();
    try {
      await caAt(t.dir, new Date());
      const engine = makeEngine(join(t.dir, 'ca'));
      // Some other server's certificate is served on the endpoint the spec names.
      await engine.issue(
        'other',
        spec({ name: 'other', dnsNames: ['localhost'], outDir: join(t.dir, 'other') }, t.dir),
      );
      const srv = await startDirServer(join(t.dir, 'other'));
      try {
        await engine.issue(
          'web',
          spec({ name: 'web', dnsNames: ['localhost'], outDir: join(t.dir, 'out') }, t.dir),
        );
        await engine.upsertSpec(
          spec(
            {
              name: 'web',
              dnsNames: ['localhost'],
              outDir: join(t.dir, 'out'),
              probe: { host: '127.0.0.1', port: srv.port },
            },
            t.dir,
          ),
        );
        const before = await treeHash(t.dir);
        const r = await cli(['tls', 'status', '--ca-dir', 'ca'], t.dir);
        assert.equal(r.status, 9, r.stderr);
        oneLine(
          r.stderr,
          /certificate web: 127\.0\.0\.1:\d+ serves serial [0-9a-f]+ \(CN=localhost\), expected serial [0-9a-f]+/,
        );
        assert.match(r.stdout, /\nweb .* MISMATCH/);
        assert.equal(await treeHash(t.dir), before);
      } finally {
        await srv.close();
      }
    } finally {
      await t.cleanup();
    }
  });

  it('issues above 398 days only under a raised maxLifetime, warning on stderr once', async () => {
    const t = await tempDir();
    try {
      await caAt(t.dir, new Date());
      const inv = join(t.dir, 'ca', 'inventory.yaml');
      await writeFile(inv, (await readFile(inv, 'utf8')).replace(/^maxLifetime: .*$/m, 'maxLifetime: 825d'));
      const r = await cli([...issueArgs, '--lifetime', '825d', '--common-name', 'web.svc'], t.dir, 'warn');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^issued web serial [0-9a-f]+/);
      const warnings = r.stderr.split('\n').filter((l) => /above 398d/.test(l));
      assert.equal(warnings.length, 1, r.stderr);
      assert.match(warnings[0]!, /certificate web: lifetime 825d is above 398d, which public clients refuse \(allowed by the raised cap of 825d\)/);
    } finally {
      await t.cleanup();
    }
  });

  it('refuses to init over an existing CA', async () => {
    const t = await tempDir();
    try {
      await caAt(t.dir, new Date());
      const before = await treeHash(t.dir);
      const r = await cli(['tls', 'init-ca', '--ca-dir', 'ca'], t.dir);
      assert.equal(r.status, 6);
      oneLine(r.stderr, /already holds a CA; use rotate-ca/);
      assert.equal(await treeHash(t.dir), before);
      assert.ok(await new CaStore(join(t.dir, 'ca')).exists());
    } finally {
      await t.cleanup();
    }
  });
});
