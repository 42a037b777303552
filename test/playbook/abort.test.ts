/**
 * `incident abort` after a run was killed in the middle of the restore swap: the volume holds its
 * pre-restore (v2) data again, the shop runs again on the version it ran before, the evidence
 * snapshots stay, and the output says which steps could not be undone and why.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../../src/catalog/index.js';
import { loadConfig } from '../../src/config/index.js';
import { onNewFindings, runningPid } from '../../src/playbook/index.js';
import { systemClock } from '../../src/platform/clock.js';
import { Story, v2 } from './harness.js';

const stories: Story[] = [];
after(async () => {
  for (const s of stories) await s.dispose();
});

test('abort after a kill -9 mid-restore puts the volume and the service back as they were, keeps the evidence, and names what it cannot undo', async () => {
  const s = new Story();
  stories.push(s);
  const findingId = await s.setUp();
  const v2Items = readFileSync(join(s.data, 'items.jsonl'), 'utf8');
  const run = s.cliAsync(['incident', 'run', '--volume', 'shop-data', '--finding', findingId, '--yes'], { HOLDFAST_PLAYBOOK_HOLD: 'restore:between-renames' });
  const id = await s.waitHeld('restore:between-renames');
  process.kill(run.pid, 'SIGKILL');
  await run.done;

  const out = await s.okAsync(['incident', 'abort', id]);
  assert.match(out, /^incident inc-[^:]+: aborted/);
  assert.match(out, /undone restore: the volume holds its pre-restore data again/);
  assert.match(out, /undone quiesce: started again: shop \(pid \d+, version bad000000000\)/);
  assert.match(out, /not undone evidence-sealed: evidence snapshots are kept on purpose/);
  assert.equal(readFileSync(join(s.data, 'items.jsonl'), 'utf8'), v2Items);
  assert.ok(await runningPid(s.dataDir, 'shop'), 'the shop runs again');
  const version = JSON.parse(readFileSync(join(s.dir, 'version.json'), 'utf8')) as { commit: string };
  assert.equal(version.commit, v2);
  const evidence = (await s.snapshots()).filter((x) => x.tags.includes(`incident:${id}`));
  assert.equal(evidence.length, 2);
  const row = s.catalog((c) => c.db.prepare('SELECT status FROM incidents WHERE id = ?').get(id) as { status: string });
  assert.equal(row.status, 'aborted');
  // Aborted, the volume is free again: a new plan is not told of an active incident.
  const plan = JSON.parse(await s.okAsync(['incident', 'plan', '--volume', 'shop-data', '--finding', findingId, '--json'])) as { activeIncident?: string };
  assert.equal(plan.activeIncident, undefined);

  // The finding arriving again as new (e.g. a re-upload): the trigger proposes an incident awaiting approval, and runs nothing.
  const catalog = Catalog.open(join(s.dataDir, 'catalog.db'));
  try {
    const d = { loaded: await loadConfig(s.config), catalog, clock: systemClock, env: s.env, log: () => undefined };
    const [outcome] = await onNewFindings(d, [findingId], { threshold: 'high' });
    assert.equal(outcome!.decision.action, 'propose', outcome!.decision.message);
    assert.equal(outcome!.incidents[0]!.status, 'proposed');
    const proposed = catalog.db.prepare('SELECT status, message FROM incidents WHERE id = ?').get(outcome!.incidents[0]!.id) as { status: string; message: string };
    assert.equal(proposed.status, 'proposed');
    assert.match(proposed.message, /awaiting approval; restore point [0-9a-f]+/);
  } finally {
    catalog.close();
  }
  assert.equal(readFileSync(join(s.data, 'items.jsonl'), 'utf8'), v2Items, 'a proposal changes nothing');
});
