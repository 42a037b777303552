/**
 * CWE ids from the many shapes scanners use: "CWE-79", "CWE-79: Improper ...", CodeQL's
 * "external/cwe/cwe-079" tags, Bandit's `issue_cwe`, Semgrep's `cwe` metadata, and SARIF
 * taxonomy references (relationships / taxa pointing into a component named CWE). Always "CWE-<n>".
 */
import type { SarifResult, SarifRule, SarifRun } from './sarif-schema.js';

const cweRe = /\bcwe[-_/ :]*0*(\d{1,5})\b/gi;

function fromText(s: string, out: Set<string>): void {
  for (const m of s.matchAll(cweRe)) out.add(`CWE-${Number(m[1])}`);
}

function fromUnknown(v: unknown, out: Set<string>, depth = 0): void {
  if (depth > 3 || v === undefined || v === null) return;
  if (typeof v === 'string') fromText(v, out);
  else if (typeof v === 'number' && Number.isInteger(v) && v > 0) out.add(`CWE-${v}`);
  else if (Array.isArray(v)) for (const x of v) fromUnknown(x, out, depth + 1);
  else if (typeof v === 'object' && 'id' in v) fromUnknown((v as { id: unknown }).id, out, depth + 1);
}

type Ref = { id?: string | undefined; toolComponent?: { name?: string | undefined; index?: number | undefined } | undefined };

function fromRefs(refs: readonly Ref[] | undefined, run: SarifRun, out: Set<string>): void {
  for (const r of refs ?? []) {
    const comp = r.toolComponent?.name ?? (r.toolComponent?.index !== undefined ? run.taxonomies?.[r.toolComponent.index]?.name : undefined);
    if (!comp || !/cwe/i.test(comp) || !r.id) continue;
    if (/^\d+$/.test(r.id)) out.add(`CWE-${Number(r.id)}`);
    else fromText(r.id, out);
  }
}

const byRule = new WeakMap<SarifRule, Set<string>>();

function ofRule(rule: SarifRule | undefined, run: SarifRun): Set<string> {
  if (!rule) return new Set();
  let out = byRule.get(rule);
  if (!out) {
    out = new Set<string>();
    const rp = rule.properties ?? {};
    fromUnknown(rp.tags, out);
    fromUnknown(rp.cwe, out);
    fromUnknown(rp.cwes, out);
    fromRefs(rule.relationships?.map((x) => x.target), run, out);
    byRule.set(rule, out);
  }
  return out;
}

export function cwesOf(result: SarifResult, rule: SarifRule | undefined, run: SarifRun): string[] {
  const out = new Set(ofRule(rule, run));
  const p = result.properties ?? {};
  fromUnknown(p.tags, out);
  fromUnknown(p.cwe, out);
  fromUnknown(p.issue_cwe, out);
  fromRefs(result.taxa, run, out);
  return [...out].sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
}
