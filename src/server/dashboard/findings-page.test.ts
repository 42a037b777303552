import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFindingsQuery, type RuleGroup } from '../views/findings-query.js';
import { findingsBody } from './findings-page.js';

const group = (o: Partial<RuleGroup>): RuleGroup => ({
  ruleId: 'B602',
  tool: 'Bandit',
  count: 1,
  severity: 'high',
  bySeverity: { high: 1 },
  cwes: [],
  example: 'subprocess call with shell=True identified',
  deployedIn: [],
  ...o,
});

const rulesPage = (groups: RuleGroup[]) =>
  findingsBody({
    q: parseFindingsQuery({ state: 'all' }),
    view: 'rules',
    page: { items: [], total: groups.length, page: 1, pages: 1, from: 0, to: 0 },
    groups,
    options: { tools: ['Bandit'], workloads: [] },
    chart: new Map(),
    now: new Date('2026-12-07T12:00:00Z'),
  }).s;

/** The Rule cell of the row of rule `id`. */
const ruleCell = (body: string, id: string) => {
  const row = new RegExp(`<tr class="rule" data-rule="${id}"[^>]*>[\\s\\S]*?</tr>`).exec(body)?.[0] ?? '';
  return /<td>[\s\S]*?<\/td>\s*<td>([\s\S]*?)<\/td>/.exec(row)?.[1] ?? '';
};

describe('findings page: rule groups', () => {
  it("shows the rule's name, description and a link to its help page", () => {
    const cell = ruleCell(
      rulesPage([
        group({
          name: 'subprocess_popen_with_shell_equals_true',
          description: 'shell=True in subprocess',
          helpUri: 'https://bandit.readthedocs.io/en/latest/plugins/b602.html',
        }),
      ]),
      'B602',
    );
    assert.match(cell, /<div class="rule-name">subprocess_popen_with_shell_equals_true<\/div>/);
    assert.match(cell, /<div class="muted">shell=True in subprocess<\/div>/);
    assert.match(
      cell,
      /<a class="rule-help" href="https:\/\/bandit.readthedocs.io\/en\/latest\/plugins\/b602.html" rel="noreferrer noopener"/,
    );
  });

  it('shows neither name nor help when the scanner gave none, nor a name that only repeats the id', () => {
    const cell = ruleCell(
      rulesPage([group({}), group({ ruleId: 'G104', name: 'G104', description: 'G104' })]),
      'G104',
    );
    assert.doesNotMatch(cell, /rule-name|rule-help|class="muted"/);
    assert.doesNotMatch(ruleCell(rulesPage([group({})]), 'B602'), /rule-name|rule-help/);
  });

  it("escapes a report's rule text and links only http(s) help pages", () => {
    const body = rulesPage([
      group({
        ruleId: 'X1',
        name: '<img src=x onerror=alert(1)>',
        description: '"><script>alert(2)</script>',
        helpUri: 'javascript:alert(3)',
      }),
      group({ ruleId: 'X2', helpUri: 'data:text/html,<script>alert(4)</script>' }),
      group({ ruleId: 'X3', helpUri: 'https://example.test/rule?a="><script>alert(5)</script>' }),
    ]);
    assert.doesNotMatch(body, /<img src=x|<script>alert|javascript:|data:text/);
    assert.match(ruleCell(body, 'X1'), /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(ruleCell(body, 'X1'), /&quot;&gt;&lt;script&gt;alert\(2\)&lt;\/script&gt;/);
    assert.doesNotMatch(ruleCell(body, 'X1') + ruleCell(body, 'X2'), /rule-help/);
    // The URL parser percent-encodes the quote and brackets: the href cannot end early.
    assert.match(
      ruleCell(body, 'X3'),
      /href="https:\/\/example.test\/rule\?a=%22%3E%3Cscript%3Ealert\(5\)%3C\/script%3E"/,
    );
  });

  it("folds out the rule's full description and help as text, leaving out what only repeats its name or description", () => {
    const cell = ruleCell(
      rulesPage([
        group({
          ruleId: 'CVE-2019-1547',
          name: 'OsPackageVulnerability',
          description: 'CVE-2019-1547',
          fullDescription: 'Normally in OpenSSL EC groups always have a co-factor present.',
          help: 'Vulnerability CVE-2019-1547\nSeverity: LOW\nPackage: libssl1.1',
        }),
        group({ ruleId: 'G104', name: 'Improper Check', description: 'Errors unhandled', fullDescription: 'Errors unhandled', help: 'Errors unhandled' }),
      ]),
      'CVE-2019-1547',
    );
    assert.match(cell, /<details class="rule-text" data-testid="rule-text" >/, 'folded in a group');
    assert.match(cell, /<div class="rule-full">Normally in OpenSSL EC groups always have a co-factor present.<\/div>/);
    assert.match(cell, /<div class="rule-help-text">Vulnerability CVE-2019-1547\nSeverity: LOW\nPackage: libssl1.1<\/div>/);
    assert.doesNotMatch(ruleCell(rulesPage([group({ ruleId: 'G104', name: 'Improper Check', description: 'Errors unhandled', fullDescription: 'Errors unhandled', help: 'Errors unhandled' })]), 'G104'), /rule-text/);
  });

  it("shows a report's help Markdown and HTML as text, never as markup", () => {
    const cell = ruleCell(
      rulesPage([group({ ruleId: 'X4', fullDescription: '<img src=x onerror=alert(6)>', help: '**bold** [x](javascript:alert(7)) <script>alert(8)</script>' })]),
      'X4',
    );
    assert.doesNotMatch(cell, /<img src=x|<script>|<a [^>]*javascript:|<strong>/);
    assert.match(cell, /&lt;img src=x onerror=alert\(6\)&gt;/);
    assert.match(cell, /\*\*bold\*\* \[x\]\(javascript:alert\(7\)\) &lt;script&gt;alert\(8\)&lt;\/script&gt;/);
  });
});
