/** `holdfast serve`: the control plane of one machine (scheduler, API, metrics, alerts, dashboard) until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { createLogger } from '../../base/log.js';
import { loadConfig } from '../../config/index.js';
import { systemClock } from '../../platform/clock.js';
import { startServer } from '../../server/serve.js';

interface ServeFlags {
  config: string;
  listen?: string;
  insecureHttp?: boolean;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'run the control plane: scheduled backups, verified restores, certificate renewal, alerts, API and dashboard',
    )
    .option('-c, --config <file>', 'holdfast.yaml to run', 'holdfast.yaml')
    .option('--listen <host:port>', 'address to serve on (overrides server.listen)')
    .option('--insecure-http', 'serve plain HTTP instead of TLS (refused unless the address is loopback)')
    .action(async (flags: ServeFlags) => {
      const log = createLogger();
      const loaded = await loadConfig(flags.config);
      const server = await startServer({
        loaded,
        clock: systemClock,
        log,
        listen: flags.listen,
        insecureHttp: flags.insecureHttp,
      });
      log.info(
        `holdfast serving ${server.url} — dashboard ${server.url}/ui, API ${server.url}/openapi.json` +
          (server.tokenFile ? `; log in with the token in ${server.tokenFile}` : '') +
          (server.caFile ? `; the server's CA certificate is ${server.caFile}` : ''),
      );
      await new Promise<void>((resolve) => {
        const stop = (sig: string) => {
          log.info(`${sig}: stopping (running jobs finish, workloads stop)`);
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          server.close().then(resolve, (e) => {
            log.error(`stop: ${e instanceof Error ? e.message : String(e)}`);
            resolve();
          });
        };
        const onInt = () => stop('SIGINT');
        const onTerm = () => stop('SIGTERM');
        process.on('SIGINT', onInt);
        process.on('SIGTERM', onTerm);
      });
    });
}
