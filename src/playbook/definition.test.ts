import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinPlaybooks } from './builtin.js';
import { orderSteps, parsePlaybook } from './definition.js';
import { knownStepKinds } from './steps/index.js';

const parse = (text: string) => parsePlaybook(text, 'pb.yaml', knownStepKinds);

test('the built-in playbook parses and runs its steps in the order the issue describes', () => {
  const p = parse(builtinPlaybooks['restore-secure-and-rotate']!);
  assert.deepEqual(p.order, ['assess', 'choose', 'evidence-live', 'stage-restore', 'quiesce', 'evidence-sealed', 'restore', 'restart', 'rotate-tls', 'verify', 'report']);
});

test('a step needed later in the file still runs first', () => {
  const p = parse('playbook: p\nsteps:\n  - id: b\n    uses: verify\n    needs: [a]\n  - id: a\n    uses: assess\n');
  assert.deepEqual(p.order, ['a', 'b']);
});

const bad: [string, string, RegExp][] = [
  ['rejects an unknown step kind at its line', 'playbook: p\nsteps:\n  - id: a\n    uses: assess\n  - id: b\n    uses: reboot-the-world\n', /^playbook pb\.yaml:6:11: steps\[1\]\.uses: unknown step "reboot-the-world" \(known: .*assess/],
  ['rejects a cycle at the line of the step where it closes', 'playbook: p\nsteps:\n  - id: a\n    uses: assess\n    needs: [c]\n  - id: b\n    uses: verify\n    needs: [a]\n  - id: c\n    uses: report\n    needs: [b]\n', /^playbook pb\.yaml:5:12: steps\[0\]\.needs: steps form a cycle: a -> c -> b -> a/],
  ['rejects a need that names no step', 'playbook: p\nsteps:\n  - id: a\n    uses: assess\n    needs: [nope]\n', /pb\.yaml:5:13: steps\[0\]\.needs\[0\]: needs "nope", which is no step/],
  ['rejects an unknown field at its line', 'playbook: p\nsteps:\n  - id: a\n    uses: assess\n    retries: 3\n', /pb\.yaml:5:\d+: steps\[0\]\.retries: unknown field "retries"/],
  ['rejects a duplicate step id', 'playbook: p\nsteps:\n  - id: a\n    uses: assess\n  - id: a\n    uses: verify\n', /pb\.yaml:5:\d+: steps\[1\]\.id: step id "a" is used twice/],
  ['rejects broken YAML with its line', 'playbook: p\nsteps:\n  - id: [a\n', /^playbook pb\.yaml:\d+:\d+: \(yaml\)/],
  ['rejects an empty file', '', /pb\.yaml:1:1: \(top level\): the file is empty/],
];
for (const [name, text, re] of bad)
  test(name, () => {
    assert.throws(() => parse(text), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'PLAYBOOK_INVALID');
      assert.match(e.message, re);
      assert.equal(e.message.split('\n').length, 1);
      return true;
    });
  });

test('orderSteps reports a self-cycle', () => {
  assert.deepEqual(orderSteps([{ id: 'a', needs: ['a'] }]), { cycle: ['a', 'a'] });
});
