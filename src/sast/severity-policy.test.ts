import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideSeverity, type Said, type SeverityPolicy } from './severity-policy.js';

const score = (raw: string, severity: Said['severity']): Said => ({ source: 'security-severity', raw, severity });
const tool = (raw: string, severity: Said['severity']): Said => ({ source: 'tool', raw, severity });
const tag = (raw: string, severity: Said['severity']): Said => ({ source: 'tag', raw, severity });
const level = (raw: string, severity: Said['severity']): Said => ({ source: 'level', raw, severity });
const ruleLevel = (raw: string, severity: Said['severity']): Said => ({ source: 'rule-level', raw, severity });
const defaultLevel: Said = { source: 'default-level', raw: 'warning', severity: 'medium' };

const cases: { name: string; said: Said[]; policy: SeverityPolicy; want: Said }[] = [
  // strictest
  { name: "Trivy's CRITICAL tag is not lowered by its CVSS score or its level error", said: [score('7.5', 'high'), tag('CRITICAL', 'critical'), level('error', 'high')], policy: 'strictest', want: tag('CRITICAL', 'critical') },
  { name: "gosec's level error is not lowered by its MEDIUM tag", said: [tag('MEDIUM', 'medium'), ruleLevel('error', 'high')], policy: 'strictest', want: ruleLevel('error', 'high') },
  { name: 'a tie goes to the first source: the score before the level', said: [score('7.5', 'high'), level('error', 'high')], policy: 'strictest', want: score('7.5', 'high') },
  { name: "SARIF's default level does not raise a tool's LOW", said: [tool('LOW', 'low'), defaultLevel], policy: 'strictest', want: tool('LOW', 'low') },
  { name: "SARIF's default level decides when nothing else spoke", said: [defaultLevel], policy: 'strictest', want: defaultLevel },
  { name: "Bandit's HIGH beats the result's level note", said: [tool('HIGH', 'high'), level('note', 'low')], policy: 'strictest', want: tool('HIGH', 'high') },
  // sarif-level
  { name: "the SARIF level alone: Trivy's CRITICAL tag does not decide", said: [score('7.5', 'high'), tag('CRITICAL', 'critical'), level('warning', 'medium')], policy: 'sarif-level', want: level('warning', 'medium') },
  { name: "the SARIF level alone: SARIF's default counts, as a SARIF reader would take it", said: [tool('HIGH', 'high'), defaultLevel], policy: 'sarif-level', want: defaultLevel },
  { name: "the SARIF level alone: the rule's level when the result has none", said: [tag('MEDIUM', 'medium'), ruleLevel('error', 'high')], policy: 'sarif-level', want: ruleLevel('error', 'high') },
  // scanner-label
  { name: "the scanner's label before the level: gosec's MEDIUM tag lowers its level error", said: [tag('MEDIUM', 'medium'), ruleLevel('error', 'high')], policy: 'scanner-label', want: tag('MEDIUM', 'medium') },
  { name: "the scanner's label before the level: the strictest of score, field and tag", said: [score('5.3', 'medium'), tool('HIGH', 'high'), tag('LOW', 'low'), level('error', 'high')], policy: 'scanner-label', want: tool('HIGH', 'high') },
  { name: "the scanner's label before the level: without one, the level decides", said: [level('note', 'low')], policy: 'scanner-label', want: level('note', 'low') },
  { name: "the scanner's label before the level: SARIF's default level when nothing spoke", said: [defaultLevel], policy: 'scanner-label', want: defaultLevel },
];

for (const c of cases)
  test(`severity policy ${c.policy}: ${c.name}`, () => {
    assert.deepEqual(decideSeverity(c.said, c.policy), c.want);
  });
