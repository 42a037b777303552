/**
 * Reads holdfast.yaml and validates it, turning every problem into "file:line:col: field: what is
 * wrong". zod reports a path (backupPolicies.shop.schedule); the yaml package's LineCounter maps
 * the node at that path back to a line. A field that is missing has no node, so the nearest
 * parent that exists is reported instead (the mapping that holds the missing key).
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { ZodIssue } from 'zod';
import { fromSystemError, invalidInput } from '../base/errors.js';
import { configSchema, type HoldfastConfig } from './schema.js';

export interface LoadedConfig {
  config: HoldfastConfig;
  /** Absolute path of the file; relative paths in it are relative to its directory. */
  file: string;
  dir: string;
  /** Resolves a path written in the config against the config's directory. */
  resolvePath(p: string): string;
}

export interface ConfigProblem {
  line: number;
  col: number;
  path: string;
  message: string;
}

export function formatPath(path: readonly (string | number)[]): string {
  return (
    path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)'
  );
}

/** Where in the text the issue's path points: the node itself, else its nearest existing parent. */
export function locate(
  doc: Document,
  counter: LineCounter,
  path: readonly (string | number)[],
): { line: number; col: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      // For an unknown key zod points at the map; the key's own line is more useful.
      return counter.linePos(node.range[0]);
    }
  }
  return { line: 1, col: 1 };
}

function issueProblems(issue: ZodIssue): { path: (string | number)[]; message: string }[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({ path: [...issue.path, k], message: `unknown field "${k}"` }));
  }
  if (issue.code === 'invalid_union') {
    // Report the branch that got furthest rather than zod's "Invalid input".
    const best = issue.unionErrors
      .map((e) => e.issues)
      .sort((a, b) => (b[0]?.path.length ?? 0) - (a[0]?.path.length ?? 0))[0];
    if (best?.[0] && best[0].code !== 'invalid_type') return issueProblems(best[0]);
    return [{ path: issue.path, message: 'expected one of the allowed forms (see docs/control-plane.md)' }];
  }
  if (issue.code === 'invalid_type' && issue.received === 'undefined')
    return [{ path: issue.path, message: 'required field is missing' }];
  return [{ path: issue.path, message: issue.message }];
}

export function parseConfig(text: string, file: string): LoadedConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  for (const err of doc.errors) {
    const pos = err.linePos?.[0] ?? counter.linePos(err.pos[0]);
    problems.push({ line: pos.line, col: pos.col, path: '(yaml)', message: err.message.split('\n')[0]! });
  }
  let config: HoldfastConfig | undefined;
  if (problems.length === 0) {
    const parsed = configSchema.safeParse(doc.toJS() ?? {});
    if (parsed.success) config = parsed.data;
    else
      for (const issue of parsed.error.issues)
        for (const p of issueProblems(issue)) {
          const pos = locate(doc, counter, p.path);
          problems.push({ ...pos, path: formatPath(p.path), message: p.message });
        }
  }
  if (problems.length > 0 || !config) throw configError(file, problems);
  const dir = dirname(file);
  return { config, file, dir, resolvePath: (p) => (isAbsolute(p) ? p : resolve(dir, p)) };
}

export function configError(file: string, problems: ConfigProblem[]) {
  problems.sort((a, b) => a.line - b.line || a.col - b.col);
  const shown = problems.slice(0, 3).map((p) => `${file}:${p.line}:${p.col}: ${p.path}: ${p.message}`);
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
  const err = invalidInput('CONFIG_INVALID', `config ${shown.join('; ')}${more}`);
  return Object.assign(err, { problems });
}

export async function loadConfig(path: string): Promise<LoadedConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw fromSystemError(`read config ${file}`, e);
  }
  return parseConfig(text, file);
}
