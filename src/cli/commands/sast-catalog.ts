/**
 * What the sast, deploy and restore-point commands share: where the catalog is (--catalog, or
 * HOLDFAST_CATALOG, or ./holdfast.db), opening it for one command, and parsing times and output.
 */
import { Option, type Command } from 'commander';
import { invalidInput } from '../../base/errors.js';
import { Catalog } from '../../catalog/index.js';
import { systemClock, type Clock } from '../../platform/clock.js';
import { isSeverity, severities, type Severity } from '../../sast/index.js';

export interface CatalogFlags {
  catalog?: string;
  json?: boolean;
}

export const cliClock: Clock = systemClock;

export function catalogOptions(cmd: Command, opts: { json?: boolean } = {}): Command {
  cmd.addOption(new Option('--catalog <file>', 'the catalog (SQLite)').env('HOLDFAST_CATALOG').default('./holdfast.db'));
  return opts.json === false ? cmd : cmd.option('--json', 'machine-readable output');
}

export async function withCatalog<T>(flags: CatalogFlags, fn: (c: Catalog) => T | Promise<T>): Promise<T> {
  const c = Catalog.open(flags.catalog ?? process.env.HOLDFAST_CATALOG ?? './holdfast.db', { now: () => cliClock.now() });
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

export function parseTime(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(d.getTime())) throw invalidInput('BAD_TIME', `${flag} ${value}: not a date (use ISO 8601, e.g. 2026-03-01T12:00:00Z)`);
  return d;
}

export const collect = (v: string, prev: string[] = []) => [...prev, v];

export function emit(flags: { json?: boolean }, value: unknown, human: () => string): void {
  process.stdout.write(flags.json ? JSON.stringify(value, null, 2) + '\n' : human() + '\n');
}

export function parseSeverity(flag: string, s: string): Severity {
  if (!isSeverity(s)) throw invalidInput('BAD_SEVERITY', `${flag} ${s}: expected one of ${severities.join(', ')}`);
  return s;
}
