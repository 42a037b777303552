import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, openSync, closeSync, ftruncateSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { HandedReport, readReport, readReportFile, wholeArrayBuffer } from './read-report.js';
import { isHoldfastError } from '../base/errors.js';

const json = Buffer.from(JSON.stringify({ version: '2.1.0', runs: [] }));

test('plain and gzip reports read the same, whatever their name', async () => {
  assert.deepEqual(await readReport(json, 'a.sarif'), json);
  assert.deepEqual(await readReport(gzipSync(json), 'a.sarif'), json);
  assert.deepEqual(await readReport(Readable.from([json.subarray(0, 1), json.subarray(1)]), 'stream'), json);
});

test('a truncated gzip is refused in one line', async () => {
  await assert.rejects(readReport(gzipSync(json).subarray(0, 12), 'r.sarif.gz'), (e: unknown) => isHoldfastError(e, 'REPORT_BAD_GZIP') && !e.message.includes('\n'));
});

test('a 1 GB file is refused by its size without being read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-sparse-'));
  const p = join(dir, 'huge.sarif');
  const fd = openSync(p, 'w');
  ftruncateSync(fd, 1024 ** 3); // sparse: no disk used
  closeSync(fd);
  try {
    await assert.rejects(readReportFile(p), (e: unknown) => isHoldfastError(e, 'REPORT_TOO_LARGE') && e.message.includes(p) && e.kind === 'resource');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stream that grows past the cap is stopped at the cap, even when it is a small gzip', async () => {
  let produced = 0;
  const endless = new Readable({
    read() {
      produced += 64 * 1024;
      this.push(Buffer.alloc(64 * 1024, 0x20));
    },
  });
  await assert.rejects(readReport(endless, 'stdin', 1024 * 1024), (e: unknown) => isHoldfastError(e, 'REPORT_TOO_LARGE'));
  assert.ok(produced < 4 * 1024 * 1024, `read ${produced} bytes of an endless stream`);
  const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20)); // ~8 KB compressed
  await assert.rejects(readReport(bomb, 'bomb.gz', 1024 * 1024), (e: unknown) => isHoldfastError(e, 'REPORT_TOO_LARGE'));
});

test('a handed report is read once, then freed by the owner that gave a way, even when reading it fails', () => {
  const freed: number[] = [];
  const r = new HandedReport(Buffer.from(json), (b) => freed.push(b.length));
  assert.equal(r.read((b) => b.toString('utf8')), json.toString('utf8'));
  assert.deepEqual(freed, [json.length]);
  assert.throws(() => r.read(() => 0), (e: unknown) => isHoldfastError(e, 'BUG'), 'read twice');
  const failing = new HandedReport(Buffer.from(json), (b) => freed.push(b.length));
  assert.throws(() => failing.read(() => { throw new Error('not SARIF'); }), /not SARIF/);
  assert.deepEqual(freed, [json.length, json.length]);
});

test('wholeArrayBuffer: only a Buffer that is all of its ArrayBuffer, never a slice of the shared pool', () => {
  assert.equal(wholeArrayBuffer(Buffer.from('small')), undefined);
  const own = Buffer.allocUnsafeSlow(64);
  assert.equal(wholeArrayBuffer(own), own.buffer);
  assert.equal(wholeArrayBuffer(own.subarray(1)), undefined);
});
