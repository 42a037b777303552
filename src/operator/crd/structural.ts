/**
 * Turns the JSON Schema that zod-to-json-schema emits into a *structural* OpenAPI v3 schema, the
 * only kind apiextensions.k8s.io/v1 accepts: every node has a `type`, no `$ref`, no `$schema`,
 * `additionalProperties` never together with `properties` and never `false` (the API server prunes
 * unknown fields instead, which is what `.strict()` means for stored objects).
 * Anything we cannot express structurally is a generation-time bug, so it throws instead of guessing.
 */
import { zodToJsonSchema } from 'zod-to-json-schema';
import type { z } from 'zod';

export type Schema = { [k: string]: unknown };

const allowed = new Set([
  'type', 'properties', 'items', 'required', 'description', 'default', 'enum', 'format', 'pattern',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems',
  'maxItems', 'nullable', 'additionalProperties', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields',
]);

export function structural(node: Schema, path = '$'): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$schema' || k === 'definitions') continue;
    if (k === 'additionalProperties') {
      if (v === false || v === true) continue;
      if (node.properties) throw new Error(`${path}: additionalProperties together with properties is not structural`);
      out[k] = structural(v as Schema, `${path}.additionalProperties`);
      continue;
    }
    if (k === 'anyOf' || k === 'oneOf' || k === 'allOf' || k === 'not' || k === '$ref')
      throw new Error(`${path}: ${k} is not supported in CRD schemas; use a single type`);
    if (!allowed.has(k)) throw new Error(`${path}: unexpected keyword ${k}`);
    if (k === 'properties') {
      const props: Schema = {};
      for (const [name, sub] of Object.entries(v as Record<string, Schema>)) props[name] = structural(sub, `${path}.${name}`);
      out[k] = props;
    } else if (k === 'items') out[k] = structural(v as Schema, `${path}[]`);
    else out[k] = v;
  }
  if (typeof out.type !== 'string' && !out['x-kubernetes-int-or-string'])
    throw new Error(`${path}: every node of a structural schema needs a single type`);
  if (Array.isArray(out.required) && out.required.length === 0) delete out.required;
  return out;
}

export function toStructural(schema: z.ZodTypeAny, path = '$'): Schema {
  return structural(zodToJsonSchema(schema, { target: 'openApi3', $refStrategy: 'none' }) as Schema, path);
}
