/** `holdfast report`: writes the review document (Markdown and HTML) from the catalog of a config's data directory. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { createLogger } from '../../base/log.js';
import { notFound } from '../../base/errors.js';
import { existsSync } from 'node:fs';
import { Catalog } from '../../catalog/index.js';
import { loadConfig } from '../../config/index.js';
import { systemClock } from '../../platform/clock.js';
import { ControlPlane } from '../../server/control-plane.js';
import { backupEngine } from '../../server/engines/backup.js';
import { sastEngine } from '../../server/engines/sast.js';
import { tlsEngine } from '../../server/engines/tls.js';
import { writeReview } from '../../server/report/write.js';

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'write the review: backup health and verification evidence, certificates, open findings with SLA state, changes since the last review',
    )
    .option('-c, --config <file>', 'holdfast.yaml whose catalog to report on', 'holdfast.yaml')
    .option(
      '-o, --out <dir>',
      'directory to write review-<time>.md and .html into (default <dataDir>/reports)',
    )
    .action(async (flags: { config: string; out?: string }) => {
      const loaded = await loadConfig(flags.config);
      const dataDir = loaded.resolvePath(loaded.config.server.dataDir);
      const path = join(dataDir, 'catalog.db');
      if (!existsSync(path))
        throw notFound(
          'CATALOG_MISSING',
          `report on ${loaded.file}: no catalog at ${path} yet (run holdfast serve first)`,
        );
      const catalog = Catalog.open(path);
      try {
        const log = createLogger();
        const cp = new ControlPlane({
          loaded,
          catalog,
          clock: systemClock,
          log,
          backup: backupEngine(systemClock),
          certs: tlsEngine(systemClock),
          sast: sastEngine(catalog, systemClock),
        });
        const files = await writeReview(cp, flags.out);
        process.stdout.write(`${files.markdown}\n${files.html}\n`);
      } finally {
        catalog.close();
      }
    });
}
