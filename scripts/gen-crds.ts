/**
 * Writes deploy/crds/*.yaml from the zod schemas in src/operator/api.
 *   npx tsx scripts/gen-crds.ts          # regenerate
 *   npx tsx scripts/gen-crds.ts --check  # exit 1 when the committed files differ
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCrdFiles } from '../src/operator/crd/generate.js';

const dir = join(new URL('..', import.meta.url).pathname, 'deploy', 'crds');
const check = process.argv.includes('--check');
let stale = 0;
for (const [name, text] of generateCrdFiles()) {
  const path = join(dir, name);
  let old = '';
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    /* a new kind */
  }
  if (old === text) continue;
  stale++;
  if (check) console.error(`gen-crds: ${path} is out of date; run npx tsx scripts/gen-crds.ts`);
  else {
    writeFileSync(path + '.tmp', text);
    renameSync(path + '.tmp', path);
    console.log(`gen-crds: wrote ${path}`);
  }
}
process.exit(check && stale ? 1 : 0);
