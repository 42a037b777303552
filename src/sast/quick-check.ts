/**
 * A fast path for the common case: a result whose every field Holdfast reads already has the shape
 * `resultSchema` demands is used as is, without zod building a copy of it (zod costs ~30 µs per
 * result; reports have 100k). Anything else goes through `tolerantParse`. This must accept only
 * what the schema accepts: quick-check.test.ts checks it against the schema on every fixture and
 * on mutations of them.
 */
import type { SarifResult } from './sarif-schema.js';

type O = Record<string, unknown>;
const isObj = (v: unknown): v is O => typeof v === 'object' && v !== null && !Array.isArray(v);
const optStr = (v: unknown) => v === undefined || typeof v === 'string';
const optInt = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isInteger(v));
const optObj = (v: unknown, f: (o: O) => boolean) => v === undefined || (isObj(v) && f(v));
const optArr = (v: unknown, f: (x: unknown) => boolean) => v === undefined || (Array.isArray(v) && v.every(f));
const strRecord = (v: unknown) => v === undefined || (isObj(v) && Object.values(v).every((x) => typeof x === 'string'));

const kinds = new Set(['notApplicable', 'pass', 'fail', 'review', 'open', 'informational']);
const levels = new Set(['none', 'note', 'warning', 'error']);

const message = (m: O) => optStr(m.text) && optStr(m.markdown) && optStr(m.id) && optArr(m.arguments, (a) => typeof a === 'string');
const artifact = (a: O) => optStr(a.uri) && optStr(a.uriBaseId) && optInt(a.index) && optObj(a.description, message);
const region = (r: O) => optInt(r.startLine) && optInt(r.startColumn) && optInt(r.endLine) && optObj(r.snippet, (s) => optStr(s.text));
const logical = (l: unknown) => isObj(l) && optStr(l.name) && optStr(l.fullyQualifiedName) && optStr(l.kind) && optInt(l.index);
const physical = (p: O) => optObj(p.artifactLocation, artifact) && optObj(p.region, region) && optObj(p.contextRegion, region);
const location = (l: unknown) => isObj(l) && optObj(l.physicalLocation, physical) && optArr(l.logicalLocations, logical);
const component = (c: O) => optStr(c.name) && optInt(c.index) && optStr(c.guid);
const descriptor = (d: unknown) => isObj(d) && optStr(d.id) && optInt(d.index) && optObj(d.toolComponent, component);
const suppression = (s: unknown) => isObj(s) && optStr(s.kind) && optStr(s.status) && optStr(s.justification);

export function quickResultCheck(r: unknown): r is SarifResult {
  return (
    isObj(r) &&
    optStr(r.ruleId) &&
    optInt(r.ruleIndex) &&
    (r.rule === undefined || descriptor(r.rule)) &&
    (r.kind === undefined || kinds.has(r.kind as string)) &&
    (r.level === undefined || levels.has(r.level as string)) &&
    optObj(r.message, message) &&
    optArr(r.locations, location) &&
    strRecord(r.partialFingerprints) &&
    strRecord(r.fingerprints) &&
    optArr(r.suppressions, suppression) &&
    optStr(r.baselineState) &&
    optArr(r.taxa, descriptor) &&
    (r.properties === undefined || isObj(r.properties))
  );
}
