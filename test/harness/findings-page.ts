/** Reading the dashboard's findings page (/ui/findings) in a real browser, for the e2e tests. */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/** The heading's true total (its data attribute and its words must agree). */
export async function findingsTotal(page: Page): Promise<number> {
  const h = page.locator('[data-testid=findings-count]');
  const n = Number(await h.getAttribute('data-total'));
  assert.match(await h.innerText(), new RegExp(`^Findings: ${n} matching`));
  return n;
}

/** The rows of the one-by-one list, as a reviewer reads them. */
export const findingRows = (page: Page) =>
  page.locator('#findings tr.finding').evaluateAll((trs) =>
    trs.map((tr) => ({
      id: tr.getAttribute('data-finding')!,
      severity: tr.getAttribute('data-severity')!,
      state: tr.getAttribute('data-state')!,
      rule: tr.children[1]!.textContent!.trim(),
      tool: tr.children[2]!.textContent!.trim(),
      where: tr.children[3]!.querySelector('code')!.textContent!.trim(),
      deployedOn: tr.children[8]!.textContent!.trim(),
    })),
  );
