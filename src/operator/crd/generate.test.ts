import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { generateCrdFiles } from './generate.js';
import { toStructural } from './structural.js';

const crdDir = join(new URL('../../..', import.meta.url).pathname, 'deploy', 'crds');

test('the committed CRD manifests equal what scripts/gen-crds.ts generates', () => {
  for (const [name, text] of generateCrdFiles())
    assert.equal(readFileSync(join(crdDir, name), 'utf8'), text, `${name} is stale: run npx tsx scripts/gen-crds.ts`);
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
