/** Binds the SARIF upload to src/sast's ingester, writing into the control plane's catalog. */
import type { Catalog } from '../../catalog/index.js';
import type { Clock } from '../../platform/clock.js';
import { findingsBefore } from '../../playbook/index.js';
import { ingestBytes } from '../../sast/index.js';
import type { SastPort } from '../ports.js';

export function sastEngine(catalog: Catalog, clock: Clock): SastPort {
  return {
    async ingest(report, o) {
      const before = findingsBefore(catalog, o.repository);
      const s = ingestBytes(
        report,
        {
          repository: o.repository,
          commit: o.commit,
          ref: o.ref,
          imageDigests: o.imageDigest ? [o.imageDigest] : [],
        },
        { catalog, clock, name: o.name, actor: 'api' },
      );
      const newFindings = before
        .newIds()
        .map((id) => catalog.sast.getFinding(id)!)
        .map((f) => ({ id: f.id, severity: f.severity, ruleId: f.ruleId, message: f.message }));
      return {
        scans: s.scans.length,
        results: s.scans.reduce((n, x) => n + x.results, 0),
        newFindings,
        warnings: s.warnings,
      };
    },
  };
}
