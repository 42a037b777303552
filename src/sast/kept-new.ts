/**
 * Which of a report's newly opened findings an ingest hands back: every one at or above
 * `atOrAbove` (incident proposals need them all) and, of the rest, the `max` most severe. Chosen
 * as they are found, so a first scan of 200k findings does not collect 200k of them only to drop
 * most, and the off-thread ingest does not copy them all back to the server's thread.
 */
import { atLeast, compareSeverity, type Severity } from './severity.js';
import type { NewFinding } from './lifecycle.js';

export interface KeepNew {
  /** Every one at or above this is kept, whatever `max` says; without it, only the `max` most severe. */
  atOrAbove?: Severity;
  max: number;
}

export const defaultKeepNew: KeepNew = { atOrAbove: 'high', max: 1000 };

export class KeptNew {
  private readonly must: NewFinding[] = [];
  // Below the threshold, the first `max` of each severity: whatever the final cut, it is among them.
  private readonly rest = new Map<Severity, NewFinding[]>();
  /** Every new finding offered, kept or not. */
  count = 0;

  constructor(private readonly keep: KeepNew) {}

  add(f: NewFinding): void {
    this.count++;
    if (this.keep.atOrAbove && atLeast(f.severity, this.keep.atOrAbove)) return void this.must.push(f);
    const list = this.rest.get(f.severity) ?? [];
    if (list.length < this.keep.max) list.push(f);
    this.rest.set(f.severity, list);
  }

  list(): NewFinding[] {
    const rest = [...this.rest.values()].flat().sort((a, b) => compareSeverity(a.severity, b.severity));
    return this.must.concat(rest.slice(0, Math.max(0, this.keep.max - this.must.length)));
  }
}

export function keptNew(all: readonly NewFinding[], keep: KeepNew): NewFinding[] {
  const k = new KeptNew(keep);
  for (const f of all) k.add(f);
  return k.list();
}

/** The ids of the findings at or above `threshold`: the ones an incident trigger is offered. */
export function idsAtOrAbove(list: readonly NewFinding[], threshold: Severity): string[] {
  return list.filter((f) => atLeast(f.severity, threshold)).map((f) => f.id);
}
