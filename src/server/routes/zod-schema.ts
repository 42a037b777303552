/**
 * Route inputs checked with zod: one schema gives both the JSON schema Fastify and /openapi.json
 * see and the parse that turns a bad input into one BAD_REQUEST line naming the field.
 */
import { z } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { invalidInput } from '../../base/errors.js';

export const jsonSchema = (s: z.ZodTypeAny) => zodToJsonSchema(s, { target: 'openApi3', $refStrategy: 'none' }) as Record<string, unknown>;
export const anyObject = { type: 'object', additionalProperties: true } as const;
export const errorBody = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } as const;

export function parse<T extends z.ZodTypeAny>(schema: T, value: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalidInput('BAD_REQUEST', `${what}: ${r.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`);
  return r.data;
}
