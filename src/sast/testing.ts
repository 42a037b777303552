/** Test helpers for sast: the quirk fixtures under test/fixtures/sast/quirks, normalised or ingested. */
import { readFileSync } from 'node:fs';
import type * as Sarif from 'sarif';
import type { Catalog } from '../catalog/index.js';
import { ManualClock } from '../platform/clock.js';
import { ingestBytes, type IngestSummary } from './ingest.js';
import type { EnvelopeInput } from './envelope.js';
import { normaliseRun, type NormalisedRun } from './normalise.js';
import { parseSarif } from './parse.js';

export const quirksDir = new URL('../../test/fixtures/sast/quirks/', import.meta.url).pathname;

/** The two-run Snyk Container reports of test/fixtures/sast/snyk-container (see its README). */
export function snykContainer(name: 'vulnerable' | 'clean'): Buffer {
  return readFileSync(new URL(`../../test/fixtures/sast/snyk-container/${name}.sarif.json`, import.meta.url));
}

export function quirk(name: string): Buffer {
  return readFileSync(quirksDir + name + '.sarif.json');
}

export function normaliseQuirk(name: string, sourceRoots: string[] = []): { runs: NormalisedRun[]; warnings: string[] } {
  const log = parseSarif(quirk(name), name);
  const runs = log.runs.map((r, i) => normaliseRun(r!, i, sourceRoots));
  return { runs, warnings: [...log.warnings, ...runs.flatMap((r) => r.warnings)] };
}

export const commit1 = '1111111111111111111111111111111111111111';
export const commit2 = '2222222222222222222222222222222222222222';
export const commit3 = '3333333333333333333333333333333333333333';

export function ingestQuirk(catalog: Catalog, name: string, env: Partial<EnvelopeInput> = {}, clock = new ManualClock(new Date('2026-03-01T00:00:00Z'))): IngestSummary {
  return ingestBytes(quirk(name), { repository: 'github.com/acme/shop', commit: commit1, ref: 'refs/heads/main', ...env }, { catalog, clock, name });
}

/** A minimal SARIF log of one run with the given results, for lifecycle tests. */
export function sarifOf(tool: string, results: Sarif.Result[] | undefined, extra: Partial<Sarif.Run> = {}): Buffer {
  const log: Sarif.Log = { version: '2.1.0', runs: [{ tool: { driver: { name: tool } }, ...(results ? { results } : {}), ...extra }] };
  return Buffer.from(JSON.stringify(log));
}

export function result(rule: string, path: string, line: number, snippet: string, extra: Partial<Sarif.Result> = {}): Sarif.Result {
  return {
    ruleId: rule,
    level: 'error',
    message: { text: `${rule} problem` },
    locations: [{ physicalLocation: { artifactLocation: { uri: path }, region: { startLine: line, snippet: { text: snippet } } } }],
    ...extra,
  };
}
