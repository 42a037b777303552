/**
 * From bytes to SARIF runs. What is not UTF-8, not strict JSON (strict-json.ts), not SARIF or not
 * version 2.1.0 is refused with one line naming where; everything inside a run is parsed tolerantly, and what had to be ignored becomes a warning.
 */
import { invalidInput } from '../base/errors.js';
import { checkJsonStrictness, invalidUtf8At } from './strict-json.js';
import { logSchema, runSchema, tolerantParse, type SarifRun } from './sarif-schema.js';

export interface ParsedLog {
  runs: (SarifRun | undefined)[];
  warnings: string[];
}

export function parseSarif(bytes: Buffer, name: string): ParsedLog {
  const bad = invalidUtf8At(bytes);
  if (bad >= 0) throw invalidInput('REPORT_NOT_UTF8', `ingest report ${name}: not UTF-8: invalid byte 0x${(bytes[bad] ?? 0).toString(16).padStart(2, '0')} at byte ${bad}`);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw invalidInput('REPORT_NOT_JSON', `ingest report ${name}: not JSON (${why.replace(/\s+/g, ' ').slice(0, 120)})`, e);
  }
  checkJsonStrictness(bytes, name);
  const top = logSchema.safeParse(json);
  if (!top.success) {
    const where = top.error.issues[0]?.path.join('.') || 'the top level';
    throw invalidInput('REPORT_NOT_SARIF', `ingest report ${name}: not a SARIF log (${where}: ${top.error.issues[0]?.message ?? 'invalid'})`);
  }
  if (top.data.version !== '2.1.0') {
    throw invalidInput('REPORT_SARIF_VERSION', `ingest report ${name}: SARIF version ${JSON.stringify(top.data.version)} is not supported (only 2.1.0)`);
  }
  const warnings: string[] = [];
  const runs = top.data.runs.map((r, i) => tolerantParse(runSchema, r, `runs[${i}]`, warnings));
  return { runs, warnings };
}
