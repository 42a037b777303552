import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHoldfastError } from '../base/errors.js';
import { parseConfig, type ConfigProblem } from './load.js';

const base = `version: 1
volumes:
  data: { path: ./data }
`;

function problems(text: string): ConfigProblem[] {
  try {
    parseConfig(text, '/etc/holdfast.yaml');
  } catch (e) {
    assert.ok(isHoldfastError(e, 'CONFIG_INVALID'));
    return (e as unknown as { problems: ConfigProblem[] }).problems;
  }
  assert.fail('expected the config to be refused');
}

describe('the incidents section', () => {
  it('leaves auto-run off by default, at critical when enabled without a threshold', () => {
    assert.deepEqual(parseConfig(base, '/h.yaml').config.incidents, { autoRun: { enabled: false, atOrAbove: 'critical' } });
    const on = parseConfig(`${base}incidents: { autoRun: { enabled: true } }\n`, '/h.yaml').config.incidents.autoRun;
    assert.deepEqual(on, { enabled: true, atOrAbove: 'critical' });
  });

  it('refuses an auto-run volume the config does not declare, at its line', () => {
    const [p] = problems(`${base}incidents:\n  autoRun: { enabled: true, volumes: [data, dtaa] }\n`);
    assert.deepEqual([p!.path, p!.line], ['incidents.autoRun.volumes[1]', 5]);
    assert.match(p!.message, /no volume named "dtaa" \(known: data\)/);
  });

  it('refuses an unknown key and an unknown severity', () => {
    assert.ok(problems(`${base}incidents: { autorun: {} }\n`).length > 0);
    assert.ok(problems(`${base}incidents: { autoRun: { enabled: true, atOrAbove: severe } }\n`).some((p) => p.path === 'incidents.autoRun.atOrAbove'));
  });

  it('accepts the incident alert events in a webhook subscription', () => {
    const c = parseConfig(`${base}alerts:\n  webhooks: [{ name: ops, url: "http://127.0.0.1:9/h", events: [incident-proposed, incident-refused, incident-failed] }]\n`, '/h.yaml').config;
    assert.deepEqual(c.alerts.webhooks[0]!.events, ['incident-proposed', 'incident-refused', 'incident-failed']);
  });
});
