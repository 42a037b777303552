/**
 * Which rule a result is of, and the level it has, as SARIF 2.1.0 says:
 * - the rule lives in the tool component the result names (`rule.toolComponent`, §3.52.7, by
 *   index into `tool.extensions`, guid or name, §3.54), else in the driver (§3.18.2);
 * - found by `rule.index` / `ruleIndex` (§3.27.6–7) when it is in range and agrees with the id,
 *   else by `ruleId` (§3.27.5), falling back through hierarchical ids ("A/B/C" → "A/B" → "A",
 *   §3.49.3). An index out of range is a warning and lends no other rule's level;
 * - the level: the result's own (§3.27.10), else an invocation's `ruleConfigurationOverrides` for
 *   the rule (§3.20.5, §3.51), else the rule's `defaultConfiguration.level` (§3.50.3), else
 *   "warning"; for a result whose kind is not "fail", "none" (§3.27.9).
 */
import type { SarifResult, SarifRule, SarifRun } from './sarif-schema.js';

export type Level = 'none' | 'note' | 'warning' | 'error';

export interface RuleOf {
  rule: SarifRule | undefined;
  level: Level;
  levelSource: 'result' | 'override' | 'rule' | 'default';
}

type Component = { name: string; guid?: string | undefined; rules?: SarifRule[] | undefined };
type ComponentRef = { name?: string | undefined; index?: number | undefined; guid?: string | undefined } | undefined;
type DescriptorRef = { id?: string | undefined; index?: number | undefined; toolComponent?: ComponentRef };

class ComponentRules {
  private readonly byId = new Map<string, SarifRule>();
  constructor(readonly rules: readonly SarifRule[]) {
    for (const r of rules) if (r.id !== undefined && !this.byId.has(r.id)) this.byId.set(r.id, r);
  }
  /** The rule with this id, or its nearest hierarchical ancestor. */
  byIdOrAncestor(id: string): SarifRule | undefined {
    for (let cur = id; ; ) {
      const r = this.byId.get(cur);
      if (r) return r;
      const cut = cur.lastIndexOf('/');
      if (cut <= 0) return undefined;
      cur = cur.slice(0, cut);
    }
  }
}

/** A resolver for one run's results; `warn` receives what is wrong with a reference. */
export function ruleResolver(run: SarifRun, warn: (w: string) => void) {
  const driver = run.tool.driver as Component;
  const extensions = (run.tool.extensions ?? []) as Component[];
  const tables = new Map<Component, ComponentRules>();
  const table = (c: Component) => {
    let t = tables.get(c);
    if (!t) tables.set(c, (t = new ComponentRules(c.rules ?? [])));
    return t;
  };
  const component = (ref: ComponentRef, where: string): Component | undefined => {
    if (!ref) return driver;
    if (ref.index !== undefined) {
      const c = extensions[ref.index];
      if (!c) warn(`${where}: toolComponent index ${ref.index} names no extension (the run has ${extensions.length}); no rule`);
      return c;
    }
    const all = [driver, ...extensions];
    const c = (ref.guid !== undefined ? all.find((x) => x.guid === ref.guid) : undefined) ?? (ref.name !== undefined ? all.find((x) => x.name === ref.name) : undefined);
    if (!c) warn(`${where}: toolComponent ${ref.guid ?? ref.name ?? '{}'} is not among the run's tool components; no rule`);
    return c;
  };
  const find = (d: DescriptorRef, where: string): SarifRule | undefined => {
    const c = component(d.toolComponent, where);
    if (!c) return undefined;
    const t = table(c);
    if (d.index !== undefined) {
      const r = d.index >= 0 ? t.rules[d.index] : undefined;
      if (!r) warn(`${where}: ruleIndex ${d.index} is out of range (${c.name} has ${t.rules.length} rules); ${d.id !== undefined ? `looked up by ruleId ${d.id}` : 'no rule'}`);
      else if (d.id === undefined || r.id === undefined || r.id === d.id || d.id.startsWith(r.id + '/')) return r;
      else warn(`${where}: ruleIndex ${d.index} is rule ${r.id}, not the result's ruleId ${d.id}; looked up by ruleId`);
    }
    return d.id !== undefined ? t.byIdOrAncestor(d.id) : undefined;
  };

  const overrides = new Map<SarifRule, Level>();
  (run.invocations ?? []).forEach((inv, i) =>
    (inv.ruleConfigurationOverrides ?? []).forEach((o, j) => {
      const level = o.configuration?.level;
      const rule = o.descriptor ? find(o.descriptor, `invocations[${i}].ruleConfigurationOverrides[${j}]`) : undefined;
      if (rule && level) overrides.set(rule, level);
    }),
  );

  return (res: SarifResult, where: string): RuleOf => {
    const rule = find({ id: res.ruleId ?? res.rule?.id, index: res.rule?.index ?? res.ruleIndex, toolComponent: res.rule?.toolComponent }, where);
    if (res.level) return { rule, level: res.level, levelSource: 'result' };
    if ((res.kind ?? 'fail') !== 'fail') return { rule, level: 'none', levelSource: 'default' };
    const o = rule ? overrides.get(rule) : undefined;
    if (o) return { rule, level: o, levelSource: 'override' };
    const d = rule?.defaultConfiguration?.level;
    return d ? { rule, level: d, levelSource: 'rule' } : { rule, level: 'warning', levelSource: 'default' };
  };
}
