/**
 * A result's message text: its own text, or the rule's `messageStrings[id]` with "{0}"-style
 * arguments filled in (SARIF lets a result carry only a message id), or markdown, or the rule's
 * description; never empty.
 */
import type { SarifResult, SarifRule } from './sarif-schema.js';

export function messageOf(result: SarifResult, rule: SarifRule | undefined, ruleId: string): string {
  const m = result.message;
  const fill = (t: string) => t.replace(/\{(\d+)\}/g, (all, n: string) => m?.arguments?.[Number(n)] ?? all);
  if (m?.text) return fill(m.text);
  if (m?.id) {
    const s = rule?.messageStrings?.[m.id];
    if (s?.text ?? s?.markdown) return fill((s.text ?? s.markdown)!);
  }
  if (m?.markdown) return fill(m.markdown);
  return rule?.shortDescription?.text ?? rule?.fullDescription?.text ?? ruleId;
}
