import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHoldfastError } from '../base/errors.js';
import { normaliseRun } from './normalise.js';
import { parseSarif } from './parse.js';
import { invalidUtf8At } from './strict-json.js';

const log = (result: string) => `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[${result}]}]}`;
const at = (text: string, needle: string, nth = 1) => {
  let i = -1;
  for (let n = 0; n < nth; n++) i = Buffer.from(text).indexOf(needle, i + 1);
  return i;
};

/** Parses a report and reads every result, as ingesting does: results are parsed as they are read. */
const readAll = (b: Buffer) => parseSarif(b, 'r.sarif').runs.forEach((r, i) => r && normaliseRun(r, i, []));

const refused: { name: string; bytes: Buffer; code: string; message: (b: Buffer) => RegExp }[] = [
  {
    name: 'a byte that is not UTF-8 (Latin-1 é in a message)',
    bytes: Buffer.concat([Buffer.from(log('{"ruleId":"R","message":{"text":"caf')), Buffer.from([0xe9]), Buffer.from('"}}]}]}')]),
    code: 'REPORT_NOT_UTF8',
    message: (b) => new RegExp(`not UTF-8: invalid byte 0xe9 at byte ${b.indexOf(0xe9)}$`),
  },
  {
    name: 'a UTF-8 sequence cut short at the end',
    bytes: Buffer.concat([Buffer.from(log('')), Buffer.from([0xe2, 0x82])]),
    code: 'REPORT_NOT_UTF8',
    message: (b) => new RegExp(`at byte ${b.length - 2}$`),
  },
  {
    name: 'an encoded UTF-16 surrogate (CESU-8)',
    bytes: Buffer.concat([Buffer.from(log('{"ruleId":"')), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
    code: 'REPORT_NOT_UTF8',
    message: (b) => new RegExp(`invalid byte 0xed at byte ${b.indexOf(0xed)}$`),
  },
  {
    name: 'a key given twice: a second "level" would turn an error into a note',
    bytes: Buffer.from(log('{"ruleId":"R","level":"error","message":{"text":"m"},"level":"note"}')),
    code: 'REPORT_DUPLICATE_KEY',
    message: (b) => new RegExp(`duplicate key "level" at byte ${at(b.toString(), '"level"', 2)} \\(in the object opened at byte ${at(b.toString(), '{"ruleId"')}\\)`),
  },
  {
    name: 'a duplicate key spelled with an escape',
    bytes: Buffer.from(log('{"ruleId":"R","\\u006cevel":"error","level":"note"}')),
    code: 'REPORT_DUPLICATE_KEY',
    message: () => /duplicate key "level"/,
  },
  {
    name: 'a lone surrogate escape',
    bytes: Buffer.from(log('{"ruleId":"R","message":{"text":"a\\ud800b"}}')),
    code: 'REPORT_LONE_SURROGATE',
    message: (b) => new RegExp(`lone surrogate escape \\\\ud800 at byte ${at(b.toString(), '\\ud800')}`),
  },
  {
    name: 'nesting deeper than any SARIF',
    bytes: Buffer.from(log(`{"ruleId":"R","properties":{"x":${'['.repeat(300)}${']'.repeat(300)}}}`)),
    code: 'REPORT_TOO_DEEP',
    message: () => /nested deeper than 256 levels at byte \d+$/,
  },
  {
    name: 'a key given twice in a run: a second "results" would replace the first',
    bytes: Buffer.from('{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"ruleId":"R"}],"results":[]}]}'),
    code: 'REPORT_DUPLICATE_KEY',
    message: (b) => new RegExp(`duplicate key "results" at byte ${at(b.toString(), '"results"', 2)} \\(in the object opened at byte ${at(b.toString(), '{"tool"')}\\)`),
  },
  {
    name: 'a key given twice at the top: a second "runs" would hide the first',
    bytes: Buffer.from('{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"ruleId":"R"}]}],"runs":[]}'),
    code: 'REPORT_DUPLICATE_KEY',
    message: (b) => new RegExp(`duplicate key "runs" at byte ${at(b.toString(), '"runs"', 2)} \\(in the object opened at byte 0\\)`),
  },
  {
    name: 'a result that is not JSON, after good ones',
    bytes: Buffer.from(log('{"ruleId":"R"},{"ruleId":"S",}')),
    code: 'REPORT_NOT_JSON',
    message: (b) => new RegExp(`not JSON \\(.* at byte ${b.indexOf(',}') + 1}\\)$`),
  },
  {
    name: 'brackets that do not match',
    bytes: Buffer.from(log('{"ruleId":"R","locations":[{"physicalLocation":{}}}]')),
    code: 'REPORT_NOT_JSON',
    message: (b) => new RegExp(`"}" does not close the bracket opened at byte ${b.indexOf('[{"phys')} at byte ${b.indexOf('}}}]') + 2}\\)$`),
  },
  {
    name: 'a report cut short',
    bytes: Buffer.from(log('{"ruleId":"R"}').slice(0, -3)),
    code: 'REPORT_NOT_JSON',
    message: (b) => new RegExp(`the report ends where .* at byte ${b.length}\\)$`),
  },
  {
    name: 'something after the log',
    bytes: Buffer.from(log('') + ' {}'),
    code: 'REPORT_NOT_JSON',
    message: (b) => new RegExp(`more after the end of the log at byte ${b.length - 2}\\)$`),
  },
];
for (const c of refused) {
  test(`strict input: ${c.name} is refused in one line naming the byte offset`, () => {
    assert.throws(
      () => readAll(c.bytes),
      (e: unknown) => isHoldfastError(e, c.code) && e.message.startsWith('ingest report r.sarif: ') && !e.message.includes('\n') && c.message(c.bytes).test(e.message),
    );
  });
}

const accepted: [string, string][] = [
  ['a surrogate pair escape (an emoji)', log('{"ruleId":"R","message":{"text":"\\ud83d\\ude00"}}')],
  ['the same key in sibling objects', log('{"ruleId":"R","level":"error"},{"ruleId":"R","level":"error"}')],
  ['a key-looking string as a value, and escaped quotes', log('{"ruleId":"level","message":{"text":"\\"level\\": \\\\"}}')],
  ['a byte order mark', '\uFEFF' + log('')],
  ['multi-byte UTF-8 everywhere', log('{"ruleId":"Ré","message":{"text":"日本語 — ✓ 😀"}}')],
];
for (const [name, text] of accepted) {
  test(`strict input: ${name} is accepted`, () => {
    assert.equal(parseSarif(Buffer.from(text), 'r').runs.length, 1);
  });
}

test('invalidUtf8At finds nothing wrong in valid UTF-8 and the first bad byte otherwise', () => {
  assert.equal(invalidUtf8At(Buffer.from('abc é 日 😀')), -1);
  assert.equal(invalidUtf8At(Buffer.from([0x61, 0xc0, 0x80])), 1, 'overlong NUL');
  assert.equal(invalidUtf8At(Buffer.from([0x61, 0x62, 0xf5, 0x80, 0x80, 0x80])), 2, 'past U+10FFFF');
  assert.equal(invalidUtf8At(Buffer.from([0xe0, 0x80, 0x80])), 0, 'overlong three-byte');
});
