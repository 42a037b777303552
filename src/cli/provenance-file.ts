/** Reading a provenance JSON file given on the command line: one line naming the file and field when it is wrong. */
import { readFile } from 'node:fs/promises';
import { fromSystemError, invalidInput } from '../base/errors.js';
import { provenanceSchema, type Provenance } from '../backup/index.js';

export async function readProvenanceFile(path: string): Promise<Provenance> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    if (e instanceof SyntaxError) throw invalidInput('PROVENANCE_JSON', `read provenance ${path}: not valid JSON (${e.message})`);
    throw fromSystemError(`read provenance ${path}`, e);
  }
  const r = provenanceSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw invalidInput('PROVENANCE_INVALID', `read provenance ${path}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}
