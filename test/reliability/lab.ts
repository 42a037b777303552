/**
 * A lab: one world (sources and template repositories) on one backend, and the means to give each
 * trial its own copy of a template. On the filesystem a clone is `cp -a` (dates kept, so the
 * templates stay older than prune's grace period); on S3 it is a server-side copy of every object.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Site } from './cli.js';
import { buildWorld, copyTree, type Template, type World } from './world.js';

export interface Lab {
  backend: 'fs' | 's3';
  root: string;
  world: World;
  /** A new site holding a copy of a template's repository. */
  clone(template: Template, name: string): Promise<Site>;
  /** A new site with no repository (for `repo init`). */
  empty(name: string): Site;
  discard(site: Site): Promise<void>;
  close(): Promise<void>;
  /** The site as the command under test reaches it (on S3: through the fault proxy). */
  underFaults(site: Site): Site;
  /**
   * How prune is run here: on the filesystem as a user runs it (the templates are dated back past
   * the grace period); on S3 with `--grace 0s`, because object dates cannot be set back.
   */
  pruneArgs: string[];
}

export interface Backend {
  backend: 'fs' | 's3';
  site(name: string): Site;
  copy(from: Site, to: Site): Promise<void>;
  discard(site: Site): Promise<void>;
  close(): Promise<void>;
  underFaults?(site: Site): Site;
}

export function fsBackend(root: string): Backend {
  mkdirSync(join(root, 'repos'), { recursive: true });
  return {
    backend: 'fs',
    site: (name) => ({ backend: 'fs', url: join(root, 'repos', name), env: {}, dir: join(root, 'repos', name) }),
    copy: async (from, to) => {
      copyTree(from.dir!, to.dir!);
    },
    discard: async (s) => rmSync(s.dir!, { recursive: true, force: true }),
    close: async () => {},
  };
}

export async function openLab(root: string, seed: number, b: Backend): Promise<Lab> {
  mkdirSync(root, { recursive: true });
  const world = await buildWorld(root, seed, { base: b.site('tmpl-base'), forgotten: b.site('tmpl-forgotten') }, b.copy);
  return {
    backend: b.backend,
    root,
    world,
    clone: async (t, name) => {
      const s = b.site(name);
      await b.copy(t.site, s);
      return s;
    },
    empty: (name) => b.site(name),
    discard: (s) => b.discard(s),
    close: () => b.close(),
    underFaults: (s) => (b.underFaults ? b.underFaults(s) : s),
    pruneArgs: b.backend === 's3' ? ['prune', '--grace', '0s'] : ['prune'],
  };
}
