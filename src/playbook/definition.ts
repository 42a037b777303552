/**
 * Playbook definitions: YAML naming steps by the kind of work they do (`uses`), what each step
 * needs to have finished first (`needs`), and its parameters (`with`). Validated with zod at the
 * edge; an unknown step kind, a `needs` naming no step, or a cycle is reported at its line, with
 * the config loader's path-to-line mapping (src/config/load.ts) so both files report alike.
 */
import { isNode, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { invalidInput } from '../base/errors.js';
import { formatPath, locate } from '../config/load.js';

const id = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'step ids are lowercase letters, digits and "-"');

export const playbookSchema = z
  .object({
    playbook: id,
    description: z.string().default(''),
    steps: z
      .array(
        z
          .object({
            id,
            uses: z.string().min(1),
            needs: z.array(z.string()).default([]),
            with: z.record(z.unknown()).default({}),
            description: z.string().optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type Playbook = z.infer<typeof playbookSchema>;
export type PlaybookStep = Playbook['steps'][number];

interface Problem {
  path: (string | number)[];
  message: string;
}

/** Steps in an order where every step comes after what it needs (file order where free); or the first cycle found. */
export function orderSteps(steps: readonly { id: string; needs: readonly string[] }[]): { order: string[] } | { cycle: string[] } {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const visit = (sid: string, trail: string[]): string[] | undefined => {
    if (state.get(sid) === 'done') return undefined;
    if (state.get(sid) === 'visiting') return [...trail.slice(trail.indexOf(sid)), sid];
    state.set(sid, 'visiting');
    for (const n of byId.get(sid)?.needs ?? []) {
      if (!byId.has(n)) continue;
      const c = visit(n, [...trail, sid]);
      if (c) return c;
    }
    state.set(sid, 'done');
    order.push(sid);
    return undefined;
  };
  for (const s of steps) {
    const c = visit(s.id, []);
    if (c) return { cycle: c };
  }
  return { order };
}

function semanticProblems(p: Playbook, known: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  const ids = new Map<string, number>();
  p.steps.forEach((s, i) => {
    if (ids.has(s.id)) problems.push({ path: ['steps', i, 'id'], message: `step id "${s.id}" is used twice` });
    ids.set(s.id, i);
    if (!known.has(s.uses)) problems.push({ path: ['steps', i, 'uses'], message: `unknown step "${s.uses}" (known: ${[...known].sort().join(', ')})` });
    s.needs.forEach((n, j) => {
      if (!p.steps.some((x) => x.id === n)) problems.push({ path: ['steps', i, 'needs', j], message: `needs "${n}", which is no step of this playbook` });
    });
  });
  if (problems.length) return problems;
  const o = orderSteps(p.steps);
  if ('cycle' in o) {
    const at = ids.get(o.cycle[0]!)!;
    problems.push({ path: ['steps', at, 'needs'], message: `steps form a cycle: ${o.cycle.join(' -> ')}` });
  }
  return problems;
}

/** Parses and checks a playbook; `known` is the set of step kinds this build can run. */
export function parsePlaybook(text: string, file: string, known: ReadonlySet<string>): Playbook & { order: string[] } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const where = (path: (string | number)[]) => {
    const pos = locate(doc, counter, path);
    return `${file}:${pos.line}:${pos.col}: ${formatPath(path)}`;
  };
  const fail = (problems: string[]) => invalidInput('PLAYBOOK_INVALID', `playbook ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`);
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0] ?? counter.linePos(e.pos[0]);
    throw fail([`${file}:${pos.line}:${pos.col}: (yaml): ${e.message.split('\n')[0]}`]);
  }
  if (!isNode(doc.contents)) throw fail([`${file}:1:1: (top level): the file is empty`]);
  const r = playbookSchema.safeParse(doc.toJS());
  if (!r.success) {
    throw fail(
      r.error.issues.map((i) =>
        i.code === 'unrecognized_keys' ? `${where([...i.path, i.keys[0]!])}: unknown field "${i.keys[0]}"` : `${where(i.path)}: ${i.code === 'invalid_type' && i.received === 'undefined' ? 'required field is missing' : i.message}`,
      ),
    );
  }
  const problems = semanticProblems(r.data, known);
  if (problems.length) throw fail(problems.map((p) => `${where(p.path)}: ${p.message}`));
  const o = orderSteps(r.data.steps) as { order: string[] };
  return { ...r.data, order: o.order };
}
