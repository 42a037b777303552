/**
 * SARIF 2.1.0 as written: each case names the section of the OASIS standard it holds Holdfast to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as Sarif from 'sarif';
import { normaliseRun } from './normalise.js';
import { parseSarif } from './parse.js';
import type { Severity } from './severity.js';

const loc = [{ physicalLocation: { artifactLocation: { uri: 'src/app.py' }, region: { startLine: 3 } } }];
const r = (extra: Partial<Sarif.Result>): Sarif.Result => ({ message: { text: 'm' }, locations: loc, ...extra });

interface Case {
  section: string;
  name: string;
  run: Omit<Sarif.Run, 'tool'> & { tool?: Sarif.Tool };
  want: { severity: Severity; suppressed?: boolean; findings?: number };
  warning?: RegExp;
}

const rules: Sarif.ReportingDescriptor[] = [
  { id: 'A', defaultConfiguration: { level: 'note' } },
  { id: 'A/B', defaultConfiguration: { level: 'error' } },
  { id: 'C', defaultConfiguration: { level: 'warning' } },
];
const driver = (extra: Partial<Sarif.ToolComponent> = {}): Sarif.Tool => ({ driver: { name: 'T', rules, ...extra } });

const cases: Case[] = [
  { section: '§3.27.6', name: 'ruleIndex picks the rule, whose default level gives the severity', run: { tool: driver(), results: [r({ ruleIndex: 1 })] }, want: { severity: 'high' } },
  { section: '§3.27.5, §3.49.3', name: 'a hierarchical ruleId falls back to its nearest ancestor (A/B/C → A/B)', run: { tool: driver(), results: [r({ ruleId: 'A/B/C' })] }, want: { severity: 'high' } },
  { section: '§3.27.5, §3.49.3', name: 'an unknown hierarchical id with no ancestor gets the default level', run: { tool: driver(), results: [r({ ruleId: 'X/Y' })] }, want: { severity: 'medium' } },
  {
    section: '§3.27.6',
    name: 'an out-of-range ruleIndex is a warning and borrows no other rule’s level',
    run: { tool: driver(), results: [r({ ruleIndex: 7 })] },
    want: { severity: 'medium' },
    warning: /ruleIndex 7 is out of range \(T has 3 rules\); no rule/,
  },
  {
    section: '§3.27.6',
    name: 'an out-of-range ruleIndex with a ruleId is looked up by the id',
    run: { tool: driver(), results: [r({ ruleIndex: 9, ruleId: 'A/B' })] },
    want: { severity: 'high' },
    warning: /ruleIndex 9 is out of range .*looked up by ruleId A\/B/,
  },
  {
    section: '§3.27.6, §3.27.5',
    name: 'a ruleIndex naming another rule than the ruleId yields to the id, with a warning',
    run: { tool: driver(), results: [r({ ruleIndex: 0, ruleId: 'C' })] },
    want: { severity: 'medium' },
    warning: /ruleIndex 0 is rule A, not the result's ruleId C/,
  },
  { section: '§3.27.6, §3.49.3', name: 'a ruleIndex naming the ancestor of a hierarchical ruleId is consistent', run: { tool: driver(), results: [r({ ruleIndex: 0, ruleId: 'A/X' })] }, want: { severity: 'low' } },
  {
    section: '§3.27.7, §3.52.7, §3.54.3',
    name: 'rule.toolComponent.index names an extension, whose rules are used',
    run: { tool: { driver: { name: 'T', rules }, extensions: [{ name: 'Ext', rules: [{ id: 'E1', defaultConfiguration: { level: 'error' } }] }] }, results: [r({ ruleId: 'E1', rule: { id: 'E1', index: 0, toolComponent: { index: 0 } } })] },
    want: { severity: 'high' },
  },
  {
    section: '§3.52.7, §3.54.2',
    name: 'rule.toolComponent.name names an extension too',
    run: { tool: { driver: { name: 'T', rules }, extensions: [{ name: 'Ext', rules: [{ id: 'A', defaultConfiguration: { level: 'error' } }] }] }, results: [r({ ruleId: 'A', rule: { id: 'A', toolComponent: { name: 'Ext' } } })] },
    want: { severity: 'high' },
  },
  {
    section: '§3.20.5, §3.51, §3.50.3',
    name: 'ruleConfigurationOverrides raise the rule’s level for results without their own',
    run: { tool: driver(), invocations: [{ executionSuccessful: true, ruleConfigurationOverrides: [{ descriptor: { id: 'C' }, configuration: { level: 'error' } }] }], results: [r({ ruleId: 'C' })] },
    want: { severity: 'high' },
  },
  {
    section: '§3.27.10',
    name: 'the result’s own level wins over an override',
    run: { tool: driver(), invocations: [{ executionSuccessful: true, ruleConfigurationOverrides: [{ descriptor: { index: 2 }, configuration: { level: 'error' } }] }], results: [r({ ruleId: 'C', level: 'note' })] },
    want: { severity: 'low' },
  },
  { section: '§3.27.10', name: 'no level anywhere is "warning"', run: { tool: { driver: { name: 'T' } }, results: [r({ ruleId: 'Z' })] }, want: { severity: 'medium' } },
  {
    section: '§3.27.23, §3.35.3',
    name: 'a suppression still under review does not suppress',
    run: { tool: driver(), results: [r({ ruleId: 'A/B', suppressions: [{ kind: 'external', status: 'underReview' }] })] },
    want: { severity: 'high', suppressed: false },
  },
  { section: '§3.27.23, §3.35.3', name: 'an accepted suppression suppresses', run: { tool: driver(), results: [r({ ruleId: 'A/B', suppressions: [{ kind: 'inSource', status: 'accepted' }] })] }, want: { severity: 'high', suppressed: true } },
  { section: '§3.27.23, §3.35.3', name: 'a suppression without status is accepted', run: { tool: driver(), results: [r({ ruleId: 'A/B', suppressions: [{ kind: 'inSource' }] })] }, want: { severity: 'high', suppressed: true } },
  {
    section: '§3.27.23, §3.35.3',
    name: 'one rejected suppression among accepted ones leaves the result a finding',
    run: { tool: driver(), results: [r({ ruleId: 'A/B', suppressions: [{ kind: 'inSource' }, { kind: 'external', status: 'rejected' }] })] },
    want: { severity: 'high', suppressed: false },
  },
  { section: '§3.27.9', name: 'a result of kind "pass" is not a finding', run: { tool: driver(), results: [r({ ruleId: 'A/B', kind: 'pass' })] }, want: { severity: 'high', findings: 0 } },
  {
    section: '§3.27.10 with Trivy’s tags',
    name: 'a CRITICAL tag on the rule is not lowered by its level or its CVSS score',
    run: { tool: { driver: { name: 'Trivy', rules: [{ id: 'CVE-1', defaultConfiguration: { level: 'error' }, properties: { tags: ['vulnerability', 'CRITICAL'], 'security-severity': '7.5' } }] } }, results: [r({ ruleId: 'CVE-1', ruleIndex: 0, level: 'error' })] },
    want: { severity: 'critical' },
  },
  {
    section: '§3.27.10 with security-severity',
    name: 'four spec-"error" results with a low CVSS score stay high: the stricter decides',
    run: { tool: { driver: { name: 'T', rules: [{ id: 'R', properties: { 'security-severity': '2.0' } }] } }, results: [1, 2, 3, 4].map(() => r({ ruleId: 'R', level: 'error' })) },
    want: { severity: 'high', findings: 4 },
  },
];

for (const c of cases) {
  test(`SARIF ${c.section}: ${c.name}`, () => {
    const log = { version: '2.1.0', runs: [{ tool: driver(), ...c.run }] };
    const parsed = parseSarif(Buffer.from(JSON.stringify(log)), 'case');
    const run = normaliseRun(parsed.runs[0]!, 0, []);
    assert.equal(run.results.length, c.want.findings ?? 1);
    for (const res of run.results) {
      assert.equal(res.severity, c.want.severity);
      assert.equal(res.suppressed, c.want.suppressed ?? false);
    }
    if (c.warning) assert.match(run.warnings.join('\n'), c.warning);
    else assert.doesNotMatch(run.warnings.join('\n'), /rule/);
  });
}
