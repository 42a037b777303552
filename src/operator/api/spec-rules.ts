/**
 * Cross-field rules of a spec (what one field's schema cannot say: a CN that must be one of the
 * names, a renewal that must come before expiry). Each rule is written twice on purpose, side by
 * side: as a CEL expression the API server evaluates at create and update (the CRD's
 * `x-kubernetes-validations`, generated from this list by crd/generate.ts), and as the predicate the
 * controller evaluates at reconcile, for objects stored before the rule existed or under a CRD not
 * yet upgraded. The refusal is the same line in both places. test/kubernetes/crds.test.ts runs one
 * table of specs through both against a real kube-apiserver and checks they agree, case by case.
 */
export interface SpecRule<S> {
  /** The field the refusal names, below spec: ".lifetime". */
  field: string;
  /** CEL over the spec (`self`); true when the spec obeys the rule. */
  cel: string;
  /** Why the spec is refused, as one line without the field. */
  message: string;
  /** The same rule in TypeScript, over the parsed spec. */
  holds(spec: S): boolean;
}

/** The first rule the spec breaks, as `spec.<field>: <message>`; undefined when it obeys them all. */
export function specRefusal<S>(rules: readonly SpecRule<S>[], spec: S): string | undefined {
  const broken = rules.find((r) => !r.holds(spec));
  return broken && `spec${broken.field}: ${broken.message}`;
}

/** The rules as a CRD schema's `x-kubernetes-validations`, each naming its field. */
export const celValidations = (rules: readonly SpecRule<never>[]) =>
  rules.map((r) => ({ rule: r.cel, message: r.message, fieldPath: r.field, reason: 'FieldValueInvalid' }));

/** Seconds per unit of a duration string (common.ts durationString: digits and d, h, m or s, summed). */
const UNIT_S = { d: 86_400, h: 3_600, m: 60, s: 1 } as const;

/**
 * CEL: the seconds of a durationString field, e.g. celSeconds('self.lifetime'). A double, as a JS
 * number is: an int would overflow on "99999999999999999d" and the API server would then blame the
 * whole spec instead of naming the field.
 */
export const celSeconds = (field: string) =>
  `${field}.findAll('[0-9]+[dhms]').map(p, double(p.substring(0, p.size() - 1)) * (p.endsWith('d') ? ${UNIT_S.d}.0 : p.endsWith('h') ? ${UNIT_S.h}.0 : p.endsWith('m') ? ${UNIT_S.m}.0 : 1.0)).sum()`;

/** The same in TypeScript: the seconds of a string durationString accepted. */
export const durationSeconds = (s: string) =>
  [...s.matchAll(/(\d+)([dhms])/g)].reduce((sum, [, n, u]) => sum + Number(n) * UNIT_S[u as keyof typeof UNIT_S], 0);
