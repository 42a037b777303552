/**
 * Path handling terminates on any input. An AppScan report whose absolute paths shared only "/"
 * sent stripCommonRoot into an endless loop (and `holdfast serve` with it). The properties run
 * in a worker with a generous deadline: a loop fails the test instead of hanging the suite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from '../../src/base/workers.js';
import { commonDirectory } from '../../src/sast/paths.js';
import type { PropertyFailure } from './path-properties.js';

function inWorker(data: { seed: number; cases: number }, deadlineMs: number): Promise<{ checked: number; failures: PropertyFailure[] }> {
  const w = startWorker(import.meta.url, 'path-properties', { workerData: data });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      void w.terminate();
      reject(new Error(`path properties (seed ${data.seed}) did not finish within ${deadlineMs} ms: a path function loops`));
    }, deadlineMs);
    w.once('message', (m: { checked: number; failures: PropertyFailure[] }) => {
      clearTimeout(t);
      void w.terminate();
      resolve(m);
    });
    w.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

const common: [string, string[], string | undefined][] = [
  ['paths sharing only the root share "/" (the AppScan hang)', ['/usr/src/app.js', '/home/ci/lib.js'], '/'],
  ['paths on two Windows drives share nothing', ['C:/src/a.cs', 'D:/src/b.cs'], undefined],
  ['a drive and a POSIX root share nothing', ['C:/src/a.cs', '/src/b.cs'], undefined],
  ['paths in one checkout share its directory, segment by segment', ['/w/shop/src/a.py', '/w/shop/src/lib/b.py', '/w/shop/srcx/c.py'], '/w/shop/'],
  ['one path shares its own directory', ['/w/shop/a.py'], '/w/shop/'],
  ['a path at the root shares only "/"', ['/a.py', '/w/b.py'], '/'],
];
for (const [name, paths, want] of common) {
  test(`commonDirectory: ${name}`, () => {
    assert.equal(commonDirectory(paths), want);
  });
}

for (const seed of [1, 7, 20261207]) {
  test(`path functions terminate and keep their properties on 3000 random and hostile URI sets (seed ${seed})`, { timeout: 120_000 }, async () => {
    const r = await inWorker({ seed, cases: 3000 }, 90_000);
    assert.equal(r.checked, 3000);
    assert.deepEqual(r.failures, []);
  });
}
