import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSignalThresholds, departs, judgeSignals, type ChangeSignals, type SignalThresholds } from './change-signals.js';

const MiB = 1024 * 1024;
/** A backup of a 1000-file volume where a few files changed and their new data compressed well. */
const day = (o: Partial<ChangeSignals> = {}): ChangeSignals => ({
  files: 1000,
  filesNew: 2,
  filesChanged: 20,
  filesRemoved: 2,
  bytesChanged: 8 * MiB,
  bytesNew: 4 * MiB,
  bytesDeduplicated: 4 * MiB,
  bytesNewStored: 1 * MiB,
  bytesNewIncompressible: 0.1 * MiB,
  renamed: {},
  ...o,
});
const week = Array.from({ length: 7 }, (_, i) => day({ filesChanged: 15 + i }));
/** 600 of 1000 files encrypted and renamed: removed, and back as new files of random bytes. */
const ransom = day({
  files: 1000,
  filesNew: 600,
  filesRemoved: 600,
  filesChanged: 5,
  bytesChanged: 300 * MiB,
  bytesNew: 300 * MiB,
  bytesDeduplicated: 0,
  bytesNewStored: 300 * MiB,
  bytesNewIncompressible: 300 * MiB,
  renamed: { '.locked': 600 },
});

describe('judgeSignals', () => {
  const cases: { name: string; current: ChangeSignals; history: ChangeSignals[]; t?: Partial<SignalThresholds>; verdict: string; reasons?: RegExp[] }[] = [
    {
      name: 'marks files encrypted and renamed to .locked as suspicious, naming the extension and the incompressible share',
      current: ransom,
      history: week,
      verdict: 'suspicious',
      reasons: [
        /^100% of new data is incompressible \(history: median 3%\)$/,
        /^61% of the files were rewritten or removed \(5 changed, 600 removed; history: median 2%\)$/,
        /^600 files renamed to \.locked with new content \(history: median 0\)$/,
      ],
    },
    {
      name: 'marks files encrypted in place (no rename) as suspicious when both rewrite and incompressibility depart',
      current: day({ filesChanged: 700, bytesChanged: 400 * MiB, bytesNew: 400 * MiB, bytesNewStored: 400 * MiB, bytesNewIncompressible: 399 * MiB }),
      history: week,
      verdict: 'suspicious',
      reasons: [/^100% of new data is incompressible/, /^70% of the files were rewritten or removed \(700 changed, 2 removed; history: median 2%\)$/],
    },
    {
      name: 'marks a rename burst with new content even on a volume that usually rewrites most of its files',
      current: ransom,
      history: week.map((w) => ({ ...w, filesChanged: 900 })),
      verdict: 'suspicious',
      reasons: [/^600 files renamed to \.locked/, /^100% of new data is incompressible/],
    },
    {
      name: 'does not judge before the minimum history, and says how much is missing',
      current: ransom,
      history: week.slice(0, 3),
      verdict: 'unjudged',
      reasons: [/^3 of the 5 earlier backups needed/],
    },
    {
      name: 'does not judge the first backup of a volume',
      current: { ...ransom, initial: true },
      history: week,
      verdict: 'unjudged',
    },
    {
      name: 'leaves initial backups out of the history',
      current: ransom,
      history: [{ ...ransom, initial: true }, ...week.slice(0, 4)],
      verdict: 'unjudged',
    },
    {
      name: 'does not mark a large incompressible file dropped in (nothing existing rewritten)',
      current: day({ filesNew: 1, bytesChanged: 700 * MiB, bytesNew: 700 * MiB, bytesNewStored: 700 * MiB, bytesNewIncompressible: 700 * MiB }),
      history: week,
      verdict: 'normal',
    },
    {
      name: 'does not mark a database rewriting most of its files when the new data compresses',
      current: day({ filesChanged: 900, bytesChanged: 900 * MiB, bytesNew: 600 * MiB, bytesNewStored: 150 * MiB, bytesNewIncompressible: 6 * MiB }),
      history: week,
      verdict: 'normal',
    },
    {
      name: 'does not mark a volume whose every backup rewrites everything incompressibly (its usual)',
      current: day({ filesChanged: 1000, bytesNewIncompressible: 4 * MiB }),
      history: week.map((w) => ({ ...w, filesChanged: 980, bytesNewIncompressible: 3.9 * MiB })),
      verdict: 'normal',
    },
    {
      name: 'does not mark a plain bulk rename whose content deduplicates',
      current: day({ filesNew: 500, filesRemoved: 500, bytesChanged: 250 * MiB, bytesNew: 0, bytesDeduplicated: 250 * MiB, bytesNewStored: 0, bytesNewIncompressible: 0, renamed: { '.jpg': 500 } }),
      history: week,
      verdict: 'normal',
    },
    {
      name: 'does not mark a few log files rotated to a dated extension',
      current: day({ renamed: { '.2026-12-01': 3 } }),
      history: week,
      verdict: 'normal',
    },
    {
      name: 'says it does not judge when the policy turned signals off',
      current: ransom,
      history: week,
      t: { enabled: false },
      verdict: 'unjudged',
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const s = judgeSignals(c.current, c.history, { ...defaultSignalThresholds, ...c.t });
      assert.equal(s.verdict, c.verdict, s.reasons.join('; '));
      if (c.reasons) {
        assert.equal(s.reasons.length, c.reasons.length, s.reasons.join('; '));
        c.reasons.forEach((r, i) => assert.match(s.reasons[i]!, r));
      }
    });
});

describe('departs', () => {
  const d = { floor: 0.2, minDelta: 0.1 };
  const cases: { name: string; value: number; history: number[]; expect: boolean }[] = [
    { name: 'a value far above a steady history departs', value: 0.5, history: [0.01, 0.02, 0.01, 0.03], expect: true },
    { name: 'a value below the floor never departs, however steady the history', value: 0.15, history: [0, 0, 0, 0], expect: false },
    { name: 'a value within the history\'s own spread does not depart', value: 0.6, history: [0.1, 0.5, 0.3, 0.55, 0.2], expect: false },
    { name: 'a value above the median by less than minDelta does not depart', value: 0.35, history: [0.3, 0.3, 0.3], expect: false },
  ];
  for (const c of cases) it(c.name, () => assert.equal(departs(c.value, c.history, d, 5).departs, c.expect));
});
