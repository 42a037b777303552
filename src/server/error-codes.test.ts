import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const sources = [
  'src/config',
  'src/catalog/busy.ts',
  'src/server',
  'src/platform/local/exec.ts',
  'src/platform/local/hooks.ts',
  'src/platform/local/service.ts',
  'src/platform/local/version.ts',
  'src/platform/local/volume.ts',
  'src/cli/commands/serve.ts',
  'src/cli/commands/report.ts',
];

function files(p: string, out: string[] = []): string[] {
  if (statSync(p).isDirectory()) for (const n of readdirSync(p)) files(join(p, n), out);
  else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('testing.ts')) out.push(p);
  return out;
}

describe('control-plane error codes', () => {
  it('are all documented in docs/control-plane.md, and the doc lists no code the code does not use', () => {
    const re =
      /(?:invalidInput|notFound|conflict|corrupt|authFailed|transient)\(\s*'([A-Z_]+)'|new HoldfastError\(\s*'([A-Z_]+)'|code: '([A-Z_]+)'/g;
    const used = new Set<string>();
    for (const f of sources.flatMap((s) => files(join(root, s))))
      for (const m of readFileSync(f, 'utf8').matchAll(re)) used.add((m[1] ?? m[2] ?? m[3])!);
    const doc = readFileSync(join(root, 'docs/control-plane.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Error codes'));
    const documented = new Set(
      [...table.matchAll(/^\| ([^|]+) \|/gm)].flatMap((m) =>
        [...m[1]!.matchAll(/`([A-Z_]+)`/g)].map((x) => x[1]!),
      ),
    );
    assert.deepEqual([...used].filter((c) => !documented.has(c)).sort(), [], 'used but not documented');
    assert.deepEqual([...documented].filter((c) => !used.has(c)).sort(), [], 'documented but not used');
  });
});
