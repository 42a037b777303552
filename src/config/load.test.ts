import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHoldfastError } from '../base/errors.js';
import { parseConfig, type ConfigProblem } from './load.js';

const good = `version: 1
repositories:
  local:
    location: ./repo
    password: { env: HOLDFAST_PASSWORD }
volumes:
  data:
    path: ./data
workloads:
  shop:
    volumes: [data]
    version: { file: ./version.json }
backupPolicies:
  minutely:
    repository: local
    volumes: [data]
    schedule: "* * * * *"
    retention: { keepLast: 5 }
    hooks:
      pre: [{ name: quiesce, command: "true", timeout: 5s }]
    verify: { schedule: "*/5 * * * *", staleAfter: 2d }
`;

function problems(text: string): ConfigProblem[] {
  try {
    parseConfig(text, '/etc/holdfast.yaml');
  } catch (e) {
    assert.ok(isHoldfastError(e, 'CONFIG_INVALID'));
    assert.doesNotMatch(e.message, /\n/, 'the message is one line');
    return (e as unknown as { problems: ConfigProblem[] }).problems;
  }
  assert.fail('expected the config to be refused');
}

describe('config loader', () => {
  it('accepts a valid config and fills defaults and durations', () => {
    const { config, resolvePath } = parseConfig(good, '/etc/hf/holdfast.yaml');
    const p = config.backupPolicies.minutely!;
    assert.equal(p.hooks.pre[0]!.timeout, 5000);
    assert.equal(p.hooks.pre[0]!.onError, 'abort');
    assert.equal(p.verify!.staleAfter, 2 * 86_400_000);
    assert.equal(config.repositories.local!.maxConcurrent, 1);
    assert.equal(config.server.listen, '127.0.0.1:8443');
    assert.equal(resolvePath('./repo'), '/etc/hf/repo');
  });

  it('points a bad cron expression at its line and field', () => {
    const [p] = problems(good.replace('"* * * * *"', '"every minute"'));
    assert.equal(p!.line, 17);
    assert.equal(p!.path, 'backupPolicies.minutely.schedule');
    assert.match(p!.message, /invalid cron expression "every minute"/);
  });

  it('points an unknown field at the line of the key', () => {
    const [p] = problems(good.replace('    retention:', '    retension: 3\n    retention:'));
    assert.equal(p!.path, 'backupPolicies.minutely.retension');
    assert.equal(p!.line, 18);
    assert.match(p!.message, /unknown field "retension"/);
  });

  it('reports a missing required field at the mapping that lacks it', () => {
    const [p] = problems(good.replace('    location: ./repo\n', ''));
    assert.equal(p!.path, 'repositories.local.location');
    assert.equal(p!.line, 4, 'the line of the repository mapping');
    assert.match(p!.message, /required field is missing/);
  });

  it('reports a reference to an unknown volume at the list item', () => {
    const [p] = problems(good.replace('volumes: [data]\n    schedule', 'volumes: [dta]\n    schedule'));
    assert.equal(p!.path, 'backupPolicies.minutely.volumes[0]');
    assert.equal(p!.line, 16);
    assert.match(p!.message, /no volume named "dta" \(known: data\)/);
  });

  it('reports a bad duration with the units it accepts', () => {
    const [p] = problems(good.replace('timeout: 5s', 'timeout: 5 seconds'));
    assert.equal(p!.path, 'backupPolicies.minutely.hooks.pre[0].timeout');
    assert.equal(p!.line, 20);
    assert.match(p!.message, /duration like 30s/);
  });

  it('refuses a certificate validity above its cap when the config loads, and takes it under a raised cap', () => {
    const cert = (extra: string) => `${good}certificates:\n  web:\n    commonName: web.local\n    dnsNames: [web.local]\n    certFile: ./tls.crt\n    keyFile: ./tls.key\n    validity: 825d\n${extra}`;
    const [p] = problems(cert(''));
    assert.equal(p!.path, 'certificates.web.validity');
    assert.equal(p!.line, 28, 'the line of the certificate');
    assert.equal(p!.message, 'lifetime 825d is above the cap of 398d; shorten it, or raise certificates.web.maxValidity');
    assert.equal(parseConfig(cert('    maxValidity: 900d\n'), '/etc/holdfast.yaml').config.certificates.web!.maxValidity, 900 * 86_400_000);
    assert.equal(parseConfig(cert('').replace('validity: 825d', 'validity: 398d'), '/etc/holdfast.yaml').config.certificates.web!.validity, 398 * 86_400_000);
  });

  it('refuses an inline password with the forms it accepts', () => {
    const [p] = problems(good.replace('password: { env: HOLDFAST_PASSWORD }', 'password: hunter2'));
    assert.equal(p!.path, 'repositories.local.password');
    assert.equal(p!.line, 5);
  });

  it('reports YAML syntax errors with their line', () => {
    const [p] = problems('version: 1\nvolumes:\n  data: { path: ./x\n');
    assert.equal(p!.path, '(yaml)');
    assert.ok(p!.line >= 3);
  });

  it('never echoes a secret-looking value from a wrong field', () => {
    try {
      parseConfig(
        good.replace('password: { env: HOLDFAST_PASSWORD }', 'password: { value: s3cr3t-pw }'),
        'x.yaml',
      );
      assert.fail('expected refusal');
    } catch (e) {
      assert.ok(isHoldfastError(e));
      assert.doesNotMatch(e.message, /s3cr3t-pw/);
    }
  });
});

describe('secrets named in the config', () => {
  it('reads a secret from a file or the environment and names only where it looked', async () => {
    const { readSecret } = await import('./secrets.js');
    const { mkdtempSync, writeFileSync, readFileSync, statSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'hf-secret-'));
    try {
      const r = (p: string) => join(dir, p);
      writeFileSync(r('pw'), 'hunter2\n');
      assert.equal(
        await readSecret({ file: 'pw', generate: false }, 'repository local password', r),
        'hunter2',
      );
      assert.equal(await readSecret({ env: 'HF_PW' }, 'x', r, { HF_PW: 'from-env' }), 'from-env');
      await assert.rejects(
        readSecret({ env: 'HF_NOPE' }, 'repository local password', r, {}),
        /^HoldfastError: repository local password: environment variable HF_NOPE is not set$/,
      );
      const made = await readSecret({ file: 'new/pw', generate: true }, 'x', r);
      assert.equal(readFileSync(r('new/pw'), 'utf8').trim(), made);
      assert.equal(statSync(r('new/pw')).mode & 0o777, 0o600);
      assert.equal(
        await readSecret({ file: 'new/pw', generate: true }, 'x', r),
        made,
        'generated once, then kept',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
