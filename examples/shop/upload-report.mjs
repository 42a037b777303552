#!/usr/bin/env node
// Uploads a release's Semgrep report (releases/<release>/semgrep.sarif, from run-scan.sh) to the
// running `holdfast serve` of this example, as CI would after scanning that release:
//   node examples/shop/upload-report.mjs v1|v2
// It finds serve through its data directory (the lock names its address; the API token and CA are
// beside it) and prints what the upload did: new findings, the incident proposed or why none was.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveRequest } from './serve-call.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const release = process.argv[2];
const fail = (msg) => {
  console.error(`upload-report: ${msg}`);
  process.exit(msg.startsWith('usage') ? 2 : 1);
};
if (!release) fail('usage: upload-report.mjs v1|v2');
const read = (file, what) => {
  try {
    return readFileSync(file);
  } catch (e) {
    return fail(`${what} ${file}: ${e.code ?? e.message}`);
  }
};
const commit = read(join(here, 'releases', release, 'commit'), `no release ${release}:`).toString().trim();
const report = read(join(here, 'releases', release, 'semgrep.sarif'), 'read');
const path = `/api/v1/sarif?repository=github.com/holdfast/shop&commit=${commit}&ref=main&name=semgrep-${release}.sarif`;

serveRequest('POST', path, report, 'application/sarif+json').then(
  ({ status, text }) => {
    if (status !== 201) fail(`POST /api/v1/sarif: HTTP ${status}: ${text}`);
    const r = JSON.parse(text);
    const lines = [`uploaded ${release}'s report (commit ${commit.slice(0, 12)}): ${r.newFindings?.length ?? 0} new finding(s)`];
    for (const f of r.newFindings ?? []) lines.push(`  ${f.severity} ${f.ruleId} (finding ${f.id})`);
    for (const p of r.incidents?.proposed ?? []) lines.push(`incident ${p.id} proposed for volume ${p.volume}: ${p.message}`);
    for (const x of r.incidents?.refused ?? []) lines.push(`no incident for volume ${x.volume}: ${x.message}`);
    if (r.incidents?.error) lines.push(`incident trigger failed: ${r.incidents.error}`);
    console.log(lines.join('\n'));
  },
  (e) => fail(e.message),
);
