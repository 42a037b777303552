/**
 * Property checks for src/sast/paths.ts over random and hostile URIs from a seeded generator
 * (fast-check is not a dependency): run in a worker thread by paths-terminate.test.ts, so that a
 * path function that loops forever fails the test instead of hanging the suite.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { PathResolver, absoluteOf, cleanRelative, commonDirectory, stripCommonRoot } from '../../src/sast/paths.js';
import type { SarifRun } from '../../src/sast/sarif-schema.js';
import { seededRandom as prng } from '../harness/seeded-random.js';


// Pieces real and hostile reports put in URIs: roots, drive letters, dot segments, doubled and
// back slashes, broken and encoded percent escapes, NULs, non-ASCII, lone surrogates, long names.
const pieces = ['/', '//', '\\', '.', '..', './', '../', 'file:', 'file://', 'file:///', 'file://host/', 'C:', 'c:/', 'D:\\', ':', '%', '%2F', '%2e%2e', '%ZZ', '%E0%A4%A', '%00', '\u0000', 'é', '\ud800', 'src', 'app.py', 'a', 'b', ' ', '?', '#', '%SRCROOT%', 'x'.repeat(300)];

export function randomUri(next: () => number): string {
  const n = Math.floor(next() * 24);
  let s = '';
  for (let i = 0; i < n; i++) s += pieces[Math.floor(next() * pieces.length)];
  return s;
}

export interface PropertyFailure {
  property: string;
  input: unknown;
}

export function checkPathProperties(seed: number, cases: number): { checked: number; failures: PropertyFailure[] } {
  const next = prng(seed);
  const failures: PropertyFailure[] = [];
  const fail = (property: string, input: unknown) => failures.length < 20 && failures.push({ property, input });
  // The AppScan report's shape first: absolute paths sharing only "/" (stripCommonRoot looped on it).
  const appscan = stripCommonRoot(['/usr/src/app.js', undefined, '/home/ci/lib.js'], []);
  if (JSON.stringify(appscan) !== JSON.stringify(['usr/src/app.js', null, 'home/ci/lib.js'])) fail('paths sharing only "/" become relative to it', appscan);
  for (let c = 0; c < cases; c++) {
    const uris = Array.from({ length: 1 + Math.floor(next() * 8) }, () => randomUri(next));
    for (const u of uris) {
      const a = absoluteOf(u);
      if (a !== undefined && !a.startsWith('/') && !/^[A-Za-z]:\//.test(a)) fail('absoluteOf returns an absolute path or nothing', u);
      if (cleanRelative(u).startsWith('./')) fail('cleanRelative leaves no leading ./', u);
    }
    const abs = uris.map((u) => absoluteOf(u)).filter((p): p is string => p !== undefined);
    const dir = commonDirectory(abs);
    if (dir !== undefined && (!dir.endsWith('/') || abs.some((p) => !p.startsWith(dir)))) fail('commonDirectory is a directory prefix of every path', abs);
    const stripped = stripCommonRoot(abs, []);
    if (dir !== undefined && stripped.some((p) => p === undefined || p.startsWith('/'))) fail('under a common directory every path becomes relative', abs);
    // A run whose base ids point at each other (cycles included) and at hostile URIs.
    const ids = ['A', 'B', 'SRCROOT', '%SRCROOT%'];
    const bases: Record<string, { uri?: string; uriBaseId?: string }> = {};
    for (const id of ids) if (next() < 0.7) bases[id] = { uri: randomUri(next), uriBaseId: next() < 0.5 ? ids[Math.floor(next() * ids.length)] : undefined };
    const run = { tool: { driver: { name: 'T' } }, originalUriBaseIds: bases, invocations: [{ workingDirectory: { uri: randomUri(next) } }] } as unknown as SarifRun;
    const resolver = new PathResolver(run, [randomUri(next)], []);
    for (const u of uris) {
      const r = resolver.resolve({ uri: u, uriBaseId: next() < 0.6 ? ids[Math.floor(next() * ids.length)] : undefined });
      if (r !== undefined && typeof r !== 'string') fail('resolve returns a path or nothing', u);
    }
  }
  return { checked: cases, failures };
}

if (!isMainThread && parentPort && (workerData as { seed?: number } | undefined)?.seed !== undefined) {
  const { seed, cases } = workerData as { seed: number; cases: number };
  parentPort.postMessage(checkPathProperties(seed, cases));
}
