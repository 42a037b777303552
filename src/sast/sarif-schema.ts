/**
 * The parts of SARIF 2.1.0 that Holdfast reads, as zod schemas that accept anything extra
 * (`passthrough`): scanners add their own fields everywhere. Only what we use is checked, and
 * checking is tolerant (see `tolerantParse`): a field of the wrong shape is dropped with a warning
 * instead of failing the whole report.
 */
import { z } from 'zod';
import type * as Sarif from 'sarif';

/** A run's results: an array, or the report's results parsed one by one as they are iterated. */
export type ReportResults = Iterable<unknown> & { readonly length: number };
const isReportResults = (v: unknown): v is ReportResults => typeof v === 'object' && v !== null && Symbol.iterator in v && 'length' in v;

const props = z.record(z.unknown()).optional();
const message = z
  .object({ text: z.string().optional(), markdown: z.string().optional(), id: z.string().optional(), arguments: z.array(z.string()).optional() })
  .passthrough();
const multiformat = z.object({ text: z.string().optional(), markdown: z.string().optional() }).passthrough();

export const artifactLocationSchema = z
  .object({ uri: z.string().optional(), uriBaseId: z.string().optional(), index: z.number().int().optional(), description: message.optional() })
  .passthrough();

const region = z
  .object({
    startLine: z.number().int().optional(),
    startColumn: z.number().int().optional(),
    endLine: z.number().int().optional(),
    snippet: z.object({ text: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();

const logicalLocation = z
  .object({ name: z.string().optional(), fullyQualifiedName: z.string().optional(), kind: z.string().optional(), index: z.number().int().optional() })
  .passthrough();

const location = z
  .object({
    physicalLocation: z.object({ artifactLocation: artifactLocationSchema.optional(), region: region.optional(), contextRegion: region.optional() }).passthrough().optional(),
    logicalLocations: z.array(logicalLocation).optional(),
  })
  .passthrough();

const componentRef = z.object({ name: z.string().optional(), index: z.number().int().optional(), guid: z.string().optional() }).passthrough();
const descriptorRef = z.object({ id: z.string().optional(), index: z.number().int().optional(), toolComponent: componentRef.optional() }).passthrough();

export const ruleSchema = z
  .object({
    id: z.string().optional(),
    name: z.string().optional(),
    shortDescription: multiformat.optional(),
    fullDescription: multiformat.optional(),
    help: multiformat.optional(),
    helpUri: z.string().optional(),
    messageStrings: z.record(multiformat).optional(),
    defaultConfiguration: z.object({ level: z.enum(['none', 'note', 'warning', 'error']).optional() }).passthrough().optional(),
    relationships: z.array(z.object({ target: descriptorRef }).passthrough()).optional(),
    properties: props,
  })
  .passthrough();

const toolComponent = z
  .object({
    name: z.string(),
    guid: z.string().optional(),
    version: z.string().optional(),
    semanticVersion: z.string().optional(),
    rules: z.array(ruleSchema).optional(),
    taxa: z.array(z.object({ id: z.string(), name: z.string().optional() }).passthrough()).optional(),
  })
  .passthrough();

export const resultSchema = z
  .object({
    ruleId: z.string().optional(),
    ruleIndex: z.number().int().optional(),
    rule: descriptorRef.optional(),
    kind: z.enum(['notApplicable', 'pass', 'fail', 'review', 'open', 'informational']).optional(),
    level: z.enum(['none', 'note', 'warning', 'error']).optional(),
    message: message.optional(),
    locations: z.array(location).optional(),
    partialFingerprints: z.record(z.string()).optional(),
    fingerprints: z.record(z.string()).optional(),
    suppressions: z.array(z.object({ kind: z.string().optional(), status: z.string().optional(), justification: z.string().optional() }).passthrough()).optional(),
    baselineState: z.string().optional(),
    taxa: z.array(descriptorRef).optional(),
    properties: props,
  })
  .passthrough();

export const runSchema = z
  .object({
    tool: z.object({ driver: toolComponent, extensions: z.array(toolComponent).optional() }).passthrough(),
    // Absent or null results mean the tool did not produce them: "unknown", never "clean".
    // A report's results are parsed one at a time as they are read (parse.ts): an iterable.
    results: z.union([z.array(z.unknown()), z.custom<ReportResults>(isReportResults)]).nullable().optional(),
    invocations: z
      .array(
        z
          .object({
            executionSuccessful: z.boolean().optional(),
            startTimeUtc: z.string().optional(),
            endTimeUtc: z.string().optional(),
            workingDirectory: artifactLocationSchema.optional(),
            ruleConfigurationOverrides: z
              .array(
                z
                  .object({
                    descriptor: descriptorRef.optional(),
                    configuration: z.object({ level: z.enum(['none', 'note', 'warning', 'error']).optional() }).passthrough().optional(),
                  })
                  .passthrough(),
              )
              .optional(),
          })
          .passthrough(),
      )
      .optional(),
    originalUriBaseIds: z.record(artifactLocationSchema).optional(),
    artifacts: z.array(z.object({ location: artifactLocationSchema.optional() }).passthrough()).optional(),
    logicalLocations: z.array(logicalLocation).optional(),
    automationDetails: z.object({ id: z.string().optional(), guid: z.string().optional() }).passthrough().optional(),
    versionControlProvenance: z
      .array(
        z
          .object({ repositoryUri: z.string().optional(), revisionId: z.string().optional(), branch: z.string().optional(), mappedTo: artifactLocationSchema.optional() })
          .passthrough(),
      )
      .optional(),
    taxonomies: z.array(toolComponent).optional(),
    properties: props,
  })
  .passthrough();

export const logSchema = z.object({ version: z.string(), runs: z.array(z.unknown()), $schema: z.string().optional() }).passthrough();

// The enumerations above are SARIF's own (from @types/sarif): this fails to compile if they drift.
const _kinds: readonly Sarif.Result.kind[] = resultSchema.shape.kind.unwrap().options;
const _levels: readonly Sarif.Result.level[] = resultSchema.shape.level.unwrap().options;
const _ruleLevels: readonly Sarif.ReportingConfiguration.level[] = ['none', 'note', 'warning', 'error'];
void _kinds;
void _levels;
void _ruleLevels;

export type SarifRule = z.infer<typeof ruleSchema>;
export type SarifResult = z.infer<typeof resultSchema>;
export type SarifRun = z.infer<typeof runSchema>;

/**
 * Parses `value`; each field that fails is removed (with a warning naming where it was) and the
 * rest parsed again, so one odd field never loses a whole result. undefined when the value as a
 * whole is unusable (not an object, or a required field that cannot be dropped).
 */
export function tolerantParse<T>(schema: z.ZodType<T>, value: unknown, where: string, warnings: string[]): T | undefined {
  let v = value;
  for (let attempt = 0; attempt < 8; attempt++) {
    const r = schema.safeParse(v);
    if (r.success) return r.data;
    if (attempt === 0) v = structuredClone(v);
    const touched = new Set<unknown[]>();
    for (const issue of r.error.issues) {
      const at = issue.path.join('.');
      warnings.push(`${where}${at ? '.' + at : ''}: ${issue.message}${issue.path.length ? '; ignored' : ''}`);
      if (issue.path.length === 0 || !dropAt(v, issue.path, touched)) return undefined;
    }
    // Remove dropped array elements only now, so the other issues' indexes stayed valid above.
    for (const arr of touched) {
      for (let i = arr.length - 1; i >= 0; i--) if (arr[i] === dropped) arr.splice(i, 1);
    }
  }
  return undefined;
}

const dropped = Symbol('dropped');

function dropAt(root: unknown, path: (string | number)[], touched: Set<unknown[]>): boolean {
  let cur: unknown = root;
  for (const k of path.slice(0, -1)) {
    if (typeof cur !== 'object' || cur === null) return false;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  const last = path[path.length - 1]!;
  if (Array.isArray(cur) && typeof last === 'number') {
    cur[last] = dropped;
    touched.add(cur);
    return true;
  }
  if (typeof cur !== 'object' || cur === null || !(last in cur)) return false;
  delete (cur as Record<string | number, unknown>)[last];
  return true;
}
