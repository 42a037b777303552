/**
 * Workload routes (/api/v1/workloads...): each supervised workload's state, and the planned
 * restarts a deploy pipeline asks for — `deploy` (start it on a new version, recorded on the
 * deployment timeline so backups from then on are attributed to it) and `restart` (the same
 * version again). Both are answered once the workload is ready again: 200 with its status, or 503
 * WORKLOAD_NOT_READY when it ended or was not ready in time (then it is down, and alerted, as any
 * failed start). Stopping a workload behind serve's back instead reads as an outage.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { notFound, transient } from '../../base/errors.js';
import { anyObject, errorBody as error, jsonSchema as json, parse } from './zod-schema.js';
import type { Catalog } from '../../catalog/index.js';
import type { ControlPlane } from '../control-plane.js';
import type { WorkloadStatus, WorkloadSupervisor } from '../workloads/supervisor.js';

const nameParams = z.object({ name: z.string().min(1).max(200) }).strict();
const actor = z.string().min(1).max(100).optional().describe('who asks, for the audit log (default "api")');
const deployBody = z
  .object({
    commit: z.string().regex(/^[0-9a-fA-F]{7,64}$/, 'a commit sha (7 to 64 hex digits)'),
    imageDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'sha256: and 64 hex digits').optional(),
    repository: z.string().min(1).max(300).optional(),
    actor,
  })
  .strict();
const restartBody = z.object({ actor }).strict().optional();


/** The supervised workload by name; 404 for any other. */
function supervisorOf(workloads: ReadonlyMap<string, WorkloadSupervisor>, name: string): WorkloadSupervisor {
  const w = workloads.get(name);
  if (!w) throw notFound('WORKLOAD_NOT_FOUND', `workload ${name}: not in the config`);
  return w;
}

/** A planned restart's answer: its status when ready again, else why not. */
function readyOrFail(what: string, s: WorkloadStatus): WorkloadStatus {
  if (s.up) return s;
  throw transient('WORKLOAD_NOT_READY', `${what}: not ready again: ${s.state}: ${s.message}`);
}

export const workloadRoutes: FastifyPluginAsync<{ cp: ControlPlane }> = async (app, { cp }) => {
  const catalog: Catalog = cp.d.catalog;
  const now = () => cp.d.clock.now();

  app.get(
    '/api/v1/workloads',
    { schema: { summary: 'Supervised workloads: state, process, restarts, last exit, last deploy', tags: ['workloads'], response: { 200: { type: 'array', items: anyObject } } } },
    async () => [...cp.workloads.values()].map((w) => w.status()),
  );

  app.post(
    '/api/v1/workloads/:name/deploy',
    {
      schema: {
        summary: 'Deploy a version: a planned restart on it (no outage, no alert), recorded on the deployment timeline; answers once it is ready',
        tags: ['workloads'],
        params: json(nameParams),
        body: json(deployBody),
        response: { 200: anyObject, 400: error, 404: error, 409: error, 503: error },
      },
    },
    async (req) => {
      const { name } = parse(nameParams, req.params, 'deploy workload');
      const body = parse(deployBody, req.body, `deploy workload ${name}`);
      const w = supervisorOf(cp.workloads, name);
      const version = { commit: body.commit.toLowerCase(), imageDigest: body.imageDigest };
      const volumes = cp.config.workloads[name]?.volumes ?? [];
      const s = await w.deploy({
        version,
        why: `deploy of commit ${version.commit.slice(0, 12)}`,
        // Recorded as the new process starts: what it writes from then on is this version's.
        beforeStart: () =>
          catalog.transaction(() => {
            const row = catalog.deployments.record({ workload: name, commit: version.commit, imageDigest: version.imageDigest, repository: body.repository, at: now(), volumes });
            catalog.audit.append({ actor: body.actor ?? 'api', action: 'workload.deploy', object: `workload:${name}`, details: { commit: row.commit, imageDigest: row.imageDigest ?? null, at: row.startedAt } });
          }),
      });
      return readyOrFail(`deploy workload ${name} on ${version.commit.slice(0, 12)}`, s);
    },
  );

  app.post(
    '/api/v1/workloads/:name/restart',
    {
      schema: {
        summary: 'Restart on the version it runs: a planned restart (no outage, no alert); answers once it is ready',
        tags: ['workloads'],
        params: json(nameParams),
        optionalBody: json(z.object({ actor }).strict()),
        response: { 200: anyObject, 404: error, 409: error, 503: error },
      },
    },
    async (req) => {
      const { name } = parse(nameParams, req.params, 'restart workload');
      const body = parse(restartBody, req.body ?? undefined, `restart workload ${name}`);
      const w = supervisorOf(cp.workloads, name);
      const s = await w.deploy({
        why: 'restart asked for',
        beforeStart: () => catalog.audit.append({ actor: body?.actor ?? 'api', action: 'workload.restart', object: `workload:${name}` }),
      });
      return readyOrFail(`restart workload ${name}`, s);
    },
  );
};
