/**
 * Step 7: write the report (Markdown and HTML) into the incident directory, then remove the
 * pre-restore directory the swap kept beside the volume — only now, after verification passed,
 * and only because its content is the sealed evidence snapshot — and the replaced private keys.
 */
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IncidentStore } from '../../catalog/incidents.js';
import { swapPaths } from '../facts.js';
import { renderHtml, renderMarkdown } from '../report.js';
import type { StepKind } from './types.js';

export const reportStep: StepKind = {
  uses: 'report',
  describe: ({ facts }) => `write report.md and report.html under ${facts.incidentsDir}/<id>/ and remove the pre-restore directory (it is evidence)`,
  async run(env) {
    const store = new IncidentStore(env.catalog.db, () => env.clock.now());
    const dir = join(env.facts.incidentsDir, env.incidentId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const input = { incident: store.require(env.incidentId), steps: store.steps(env.incidentId), audit: env.catalog.audit.list({ object: `incident:${env.incidentId}` }), generatedAt: env.clock.now() };
    const files = { markdown: join(dir, 'report.md'), html: join(dir, 'report.html') };
    const markdown = renderMarkdown(input);
    const html = renderHtml(input);
    for (const [path, text] of [[files.markdown, markdown], [files.html, html]] as const) {
      await writeFile(`${path}.tmp`, text);
      await rename(`${path}.tmp`, path);
    }
    // The report as the auditors got it, for a rebuild after the data directory is lost.
    env.catalog.records.append('incident-report', env.clock.now(), { id: env.incidentId, markdown, html });
    const old = swapPaths(env.facts.volume.path, env.incidentId).old;
    await rm(old, { recursive: true, force: true });
    // The replaced private keys were kept only for an abort; verified, they go (an incident may be about their compromise). Their certificates stay for the record.
    const previous = join(dir, 'tls-previous');
    const keys = await readdir(previous).catch(() => [] as string[]);
    for (const name of keys) await rm(join(previous, name, 'tls.key'), { force: true });
    return { ...files, removed: [old, ...keys.map((k) => join(previous, k, 'tls.key'))] };
  },
  cannotUndo: 'the report is a record: it stays',
};
