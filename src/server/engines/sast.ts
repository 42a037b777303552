/**
 * Binds the SARIF upload to src/sast's ingester, writing into the control plane's catalog from a
 * worker thread (src/sast/off-thread.ts): an upload never holds the server's event loop, so
 * /healthz answers and SIGTERM is heard whatever the report holds.
 */
import type { Catalog } from '../../catalog/index.js';
import type { Clock } from '../../platform/clock.js';
import { offThreadIngester, type OffThreadOptions } from '../../sast/index.js';
import type { SastPort } from '../ports.js';

export function sastEngine(catalog: Catalog, clock: Clock, limits: Pick<OffThreadOptions, 'deadlineMs'> = {}): SastPort {
  const ingester = offThreadIngester({ catalogPath: catalog.location, clock, ...limits });
  return {
    async ingest(report, o) {
      const s = await ingester.ingest(
        report,
        {
          repository: o.repository,
          commit: o.commit,
          ref: o.ref,
          imageDigests: o.imageDigest ? [o.imageDigest] : [],
        },
        { name: o.name, actor: 'api', keep: { atOrAbove: o.triggerAtOrAbove ?? 'high', max: 1000 }, severityPolicy: o.severityPolicy },
      );
      return {
        scans: s.scans.length,
        results: s.scans.reduce((n, x) => n + x.results, 0),
        newFindings: s.newOpenFindings,
        newFindingsCount: s.newOpenCount,
        warnings: s.warnings,
      };
    },
    close: () => ingester.close(),
  };
}
