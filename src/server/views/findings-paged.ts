/**
 * The findings page from the catalog, a page at a time: the filters, the count, the page and the
 * rule groups are answered in SQL (catalog/finding-page.ts), and only the page's findings are read
 * whole. The same answer findings-query.ts gives for a list, without reading every finding.
 */
import { FindingHistory } from '../../catalog/finding-history.js';
import { FindingPages } from '../../catalog/finding-page.js';
import { deployedFindings, findingView, type FindingView, type FindingViewDeps } from './health.js';
import { rulesFromCounts, ruleText, type FindingsQuery, type Page, type RuleGroup } from './findings-query.js';

export interface FindingsPaged {
  page: Page<FindingView>;
  groups: RuleGroup[];
  /** Every tool that filed a finding (the filter's choices). */
  tools: string[];
}

export function findingsPaged(cp: FindingViewDeps, q: FindingsQuery, want: { page?: boolean; groups?: boolean } = { page: true, groups: true }): FindingsPaged {
  const pages = new FindingPages(cp.catalog.db);
  const deployed = deployedFindings(cp);
  // The workload and version filters are sets of ids: the running version's findings, the version's scans'.
  let ids: string[] | undefined;
  if (q.workload) ids = [...deployed].filter(([, on]) => on.includes(q.workload!)).map(([id]) => id);
  if (q.version) {
    const seen = new FindingHistory(cp.catalog.db).findingsOfCommit(q.version);
    ids = ids ? ids.filter((id) => seen.has(id)) : [...seen];
  }
  const filter = { states: q.states, severities: q.severities, tool: q.tool, rule: q.rule, ids };
  const total = pages.count(filter);
  const last = Math.max(1, Math.ceil(total / q.perPage));
  const p = Math.min(q.page, last);
  const items = want.page
    ? pages
        .pageIds(filter, (p - 1) * q.perPage, q.perPage)
        .flatMap((id) => cp.catalog.sast.getFinding(id) ?? [])
        .map((f) => findingView(cp, f, deployed))
    : [];
  const start = (p - 1) * q.perPage;
  const deployedByRule = new Map<string, string[]>();
  if (want.groups)
    for (const r of pages.rulesOf(filter, [...deployed.keys()])) {
      const key = `${r.tool}\0${r.ruleId}`;
      for (const w of deployed.get(r.id) ?? []) if (!deployedByRule.get(key)?.includes(w)) deployedByRule.set(key, [...(deployedByRule.get(key) ?? []), w]);
    }
  return {
    page: { items, total, page: p, pages: last, from: items.length ? start + 1 : 0, to: start + items.length },
    groups: want.groups ? rulesFromCounts(pages.ruleCounts(filter), deployedByRule).map((g) => described(cp, g)) : [],
    tools: pages.tools(),
  };
}

/** A group with the rule's own name, descriptions and help, as the newest report described it. */
function described(cp: FindingViewDeps, g: RuleGroup): RuleGroup {
  return { ...g, ...ruleText(cp.catalog.sast.getRule(g.tool, g.ruleId)) };
}
