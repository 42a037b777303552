/**
 * The commands the campaign kills, each with the repository it starts from, the snapshots it must
 * not lose, and how a user recovers after a crash: run it again (after `holdfast unlock` if it says
 * the repository is locked), or, for a password change, again with whichever password opens.
 */
import { existsSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { treeDifferences } from '../../src/backup/testing.js';
import { describeRun, run, NEW_PASSWORD, PASSWORD, type RunResult, type Site } from './cli.js';
import { short, type Verdict } from './invariants.js';
import { trialSource, type SnapshotRecord, type Template, type World } from './world.js';

export interface TrialContext {
  world: World;
  site: Site;
  /** The trial's scratch directory. */
  dir: string;
  template?: Template;
  /** The source a backup under test reads (made by `prepare`). */
  source?: string;
}

export interface Recovery {
  steps: string[];
  /** The last step still failed: the user is stuck. */
  failed?: string;
  /** The password that opens the repository afterwards. */
  password: string;
}

export interface CommandSpec {
  name: string;
  template: 'base' | 'forgotten' | 'none';
  /** Makes what the command needs (a source to back up) and returns its arguments. */
  prepare(ctx: TrialContext): string[];
  env?: NodeJS.ProcessEnv;
  /** Snapshots of the template the command forgets: they may go, the others must stay. */
  forgets?: (t: Template) => SnapshotRecord[];
  recover(ctx: TrialContext, args: string[]): Promise<Recovery>;
  /** The password that opens the repository once the command has run to completion. */
  passwordAfter?: string;
  /** The command's own promise after recovery (the new password opens, the restored tree is right). */
  after?(ctx: TrialContext, rec: Recovery, v: Verdict): Promise<void>;
  /** Snapshots the command itself made, and the tree each must restore to. */
  made?(ctx: TrialContext): string | undefined;
}

const lockedRe = /lock/i;

/** Runs the command again as a user would; if it says the repository is locked, `unlock` first. */
export async function rerun(ctx: TrialContext, args: string[], password = PASSWORD, env?: NodeJS.ProcessEnv): Promise<Recovery> {
  const steps: string[] = [];
  let r: RunResult = await run(ctx.site, args, { password, env });
  steps.push(describeRun(r));
  if (r.code !== 0 && lockedRe.test(r.err)) {
    steps.push(describeRun(await run(ctx.site, ['unlock'], { password })));
    r = await run(ctx.site, args, { password, env });
    steps.push(describeRun(r));
  }
  return { steps, password, ...(r.code !== 0 ? { failed: describeRun(r) } : {}) };
}

const plain = (name: string, template: CommandSpec['template'], args: string[], forgets?: CommandSpec['forgets']): CommandSpec => ({
  name,
  template,
  prepare: () => args,
  forgets,
  recover: (ctx) => rerun(ctx, args),
});

const newPw = { HOLDFAST_NEW_PASSWORD: NEW_PASSWORD };
const opens = async (site: Site, password: string) => (await run(site, ['key', 'list'], { password })).code === 0;

export const COMMANDS: CommandSpec[] = [
  {
    name: 'backup',
    template: 'base',
    prepare: (ctx) => {
      ctx.source = trialSource(ctx.world, join(ctx.dir, 'src'), ctx.world.nextVersion);
      return ['backup', ctx.source];
    },
    recover: (ctx, args) => rerun(ctx, args),
    made: (ctx) => ctx.source,
  },
  plain('forget', 'base', ['forget', '--keep-last', '2'], (t) => t.snapshots.slice(0, -2)),
  plain('forget --prune', 'base', ['forget', '--keep-last', '2', '--prune'], (t) => t.snapshots.slice(0, -2)),
  // The templates are dated two days back, so prune's default grace period does not shield them.
  plain('prune', 'forgotten', ['prune']),
  {
    name: 'key add',
    template: 'base',
    prepare: () => ['key', 'add'],
    env: newPw,
    recover: (ctx, args) => rerun(ctx, args, PASSWORD, newPw),
    after: async (ctx, _rec, v) => {
      if (!(await opens(ctx.site, NEW_PASSWORD))) v.notes.push('after recovery the added password does not open the repository');
    },
  },
  {
    name: 'key passwd',
    template: 'base',
    prepare: () => ['key', 'passwd'],
    env: newPw,
    passwordAfter: NEW_PASSWORD,
    // Killed before the old key was removed, the old password still opens: change it again.
    // Killed after, only the new one does, and the change is done.
    recover: async (ctx, args) => {
      if (await opens(ctx.site, PASSWORD)) return { ...(await rerun(ctx, args, PASSWORD, newPw)), password: NEW_PASSWORD };
      if (await opens(ctx.site, NEW_PASSWORD)) return { steps: ['the old password no longer opens; the new one does'], password: NEW_PASSWORD };
      return { steps: [], failed: 'neither the old nor the new password opens the repository', password: PASSWORD };
    },
    after: async (ctx, _rec, v) => {
      if (await opens(ctx.site, PASSWORD)) v.notes.push('after recovery the old password still opens the repository');
    },
  },
  {
    name: 'repo init',
    template: 'none',
    prepare: () => ['repo', 'init'],
    recover: async (ctx, args) => {
      const first = await rerun(ctx, args);
      if (!first.failed || !ctx.site.dir) return first;
      // "A re-run either completes it or says exactly what to remove": do what it says, once.
      const named = [...first.failed.matchAll(/remove\s+'?([^\s',;]+)/gi)].map((m) => m[1]!.replace(/[.)]$/, ''));
      const paths = named.map((n) => (isAbsolute(n) ? n : join(ctx.site.dir!, n))).filter((p) => p.startsWith(ctx.site.dir!) && existsSync(p));
      if (!paths.length) return first;
      for (const p of paths) rmSync(p, { recursive: true, force: true });
      const again = await rerun(ctx, args);
      return { ...again, steps: [...first.steps, `removed what it named: ${paths.join(', ')}`, ...again.steps] };
    },
  },
  // A rebuild of a healthy index: every step of it (new segment written, old ones deleted) killed.
  plain('repair index', 'forgotten', ['repair', 'index']),
  {
    name: 'restore',
    template: 'base',
    prepare: (ctx) => ['restore', ctx.template!.snapshots.at(-1)!.id, '--target', join(ctx.dir, 'target')],
    // The killed restore left a partial target; the user restores over it.
    recover: (ctx, args) => rerun(ctx, [...args, '--overwrite']),
    after: async (ctx, rec, v) => {
      if (rec.failed) return;
      const snap = ctx.template!.snapshots.at(-1)!;
      const diff = treeDifferences(snap.expected, join(ctx.dir, 'target'));
      const wrong = diff.filter((d) => !d.startsWith('extra '));
      if (wrong.length) v.silentWrong.push(`restore of ${short(snap.id)} over a killed restore exited 0 with: ${wrong.slice(0, 3).join('; ')}`);
      if (diff.length > wrong.length) v.notes.push(`restore over a killed restore left extra files: ${diff.filter((d) => d.startsWith('extra ')).slice(0, 3).join('; ')}`);
    },
  },
];

export const commandNamed = (name: string) => {
  const c = COMMANDS.find((x) => x.name === name);
  if (!c) throw new Error(`no command ${name}; known: ${COMMANDS.map((x) => x.name).join(', ')}`);
  return c;
};
