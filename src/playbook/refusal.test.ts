import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refusalOptions } from './refusal.js';

describe('refusalOptions', () => {
  const cases: [string, Parameters<typeof refusalOptions>[0], string][] = [
    [
      'starts with dismissing when every version was scanned (it never begins with "or")',
      { unknownVersions: 0, reason: 'no-clean-restore-point', onUnknown: 'refuse' },
      'dismiss the finding if it is a false positive (holdfast sast dismiss); or restore by hand from a snapshot you trust (holdfast restore)',
    ],
    [
      'starts with scanning the unscanned versions when there are any',
      { unknownVersions: 1, reason: 'unknown-deployment', onUnknown: 'refuse' },
      'ingest a SARIF report for the unscanned version(s) named above (holdfast sast ingest); or dismiss the finding if it is a false positive (holdfast sast dismiss); or restore by hand from a snapshot you trust (holdfast restore)',
    ],
    [
      'offers --skip-unknown when an unscanned restore point stopped the choice',
      { unknownVersions: 1, reason: 'unknown-restore-point', onUnknown: 'refuse' },
      'ingest a SARIF report for the unscanned version(s) named above (holdfast sast ingest); or rerun with --skip-unknown to step over restore points whose versions were never scanned; or dismiss the finding if it is a false positive (holdfast sast dismiss); or restore by hand from a snapshot you trust (holdfast restore)',
    ],
    [
      'does not offer --skip-unknown to a run that already skips',
      { unknownVersions: 0, reason: 'unknown-restore-point', onUnknown: 'skip' },
      'dismiss the finding if it is a false positive (holdfast sast dismiss); or restore by hand from a snapshot you trust (holdfast restore)',
    ],
    [
      'offers --allow-suspicious when suspicious restore points were skipped',
      { unknownVersions: 0, reason: 'no-clean-restore-point', onUnknown: 'refuse', skippedSuspicious: true },
      'rerun with --allow-suspicious to consider restore points marked suspicious by their change signals, once you have checked them; or dismiss the finding if it is a false positive (holdfast sast dismiss); or restore by hand from a snapshot you trust (holdfast restore)',
    ],
  ];
  for (const [name, input, expected] of cases) it(name, () => assert.equal(refusalOptions(input), expected));
});
