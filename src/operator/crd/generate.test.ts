import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { generatedDeployFiles, repoRoot } from '../../../scripts/gen-crds.js';
import { generateCrdFiles } from './generate.js';
import { toStructural } from './structural.js';

const crdDir = join(new URL('../../..', import.meta.url).pathname, 'deploy', 'crds');

test('the committed CRD manifests, Helm CRDs and Helm RBAC rules equal what scripts/gen-crds.ts generates', () => {
  for (const [rel, text] of generatedDeployFiles())
    assert.equal(readFileSync(join(repoRoot, rel), 'utf8'), text, `${rel} is stale: run npx tsx scripts/gen-crds.ts`);
  assert.ok(generateCrdFiles().size === 6 && readFileSync(join(crdDir, 'holdfast.dev_backuppolicies.yaml'), 'utf8').length > 0);
});

test('strict objects lose additionalProperties:false because the API server prunes instead', () => {
  const s = toStructural(z.object({ a: z.string() }).strict());
  assert.deepEqual(s, { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] });
});

test('records become additionalProperties schemas without properties', () => {
  assert.deepEqual(toStructural(z.record(z.string())), { type: 'object', additionalProperties: { type: 'string' } });
});

test('a union of types is refused at generation time, not shipped as a non-structural schema', () => {
  assert.throws(() => toStructural(z.object({ u: z.union([z.string(), z.number()]) })), /anyOf is not supported/);
});

test('no generated schema contains $ref, anyOf or a false additionalProperties', () => {
  for (const [name, text] of generateCrdFiles()) {
    assert.doesNotMatch(text, /\$ref|anyOf|oneOf|additionalProperties: false/, name);
  }
});
