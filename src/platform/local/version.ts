/**
 * Reads which version of a local workload is running, from a command that prints JSON or from a
 * JSON file: {"commit": "...", "imageDigest": "sha256:...", "image": "...", "repository": "..."}.
 * The values are returned as observed; the caller validates them against the provenance schema,
 * so a malformed version is reported, never silently recorded.
 */
import { readFile } from 'node:fs/promises';
import { fromSystemError, invalidInput } from '../../base/errors.js';
import type { Clock } from '../clock.js';
import { describeResult, runCommand } from './exec.js';

export type VersionSource = { command: string; timeout: number } | { file: string };

export interface ObservedVersion {
  commit?: string;
  imageDigest?: string;
  image?: string;
  repository?: string;
}

const fields = ['commit', 'imageDigest', 'image', 'repository'] as const;

export function parseVersionJson(text: string, what: string): ObservedVersion {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw invalidInput(
      'VERSION_NOT_JSON',
      `${what}: did not print JSON like {"commit": "...", "imageDigest": "sha256:..."}`,
    );
  }
  if (typeof v !== 'object' || v === null)
    throw invalidInput('VERSION_NOT_JSON', `${what}: expected a JSON object`);
  const out: ObservedVersion = {};
  for (const f of fields) {
    const x = (v as Record<string, unknown>)[f];
    if (typeof x === 'string' && x) out[f] = x;
  }
  return out;
}

export async function readVersion(
  workload: string,
  source: VersionSource,
  o: { cwd: string; clock: Clock; resolvePath: (p: string) => string },
): Promise<ObservedVersion> {
  if ('file' in source) {
    const path = o.resolvePath(source.file);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw fromSystemError(`read version of workload ${workload} from ${path}`, e);
    }
    return parseVersionJson(text, `version file ${path} of workload ${workload}`);
  }
  const r = await runCommand(source.command, { cwd: o.cwd, timeoutMs: source.timeout, clock: o.clock });
  if (r.exitCode !== 0)
    throw invalidInput(
      'VERSION_COMMAND_FAILED',
      `read version of workload ${workload}: command ${describeResult(r)}`,
    );
  return parseVersionJson(r.stdout, `version command of workload ${workload}`);
}
