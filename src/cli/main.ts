/**
 * The `holdfast` command. Each command group lives in its own file under commands/ and adds itself
 * to the program here; this file only wires them and maps failures to exit codes.
 */
import { Command } from 'commander';
import { reportError } from './exit.js';
import { registerRepoCommands } from './commands/repo.js';
import { registerBackupCommand } from './commands/backup.js';
import { registerRestoreCommand } from './commands/restore.js';
import { registerSnapshotCommands } from './commands/snapshots.js';
import { registerCheckCommand } from './commands/check.js';
import { registerForgetCommands } from './commands/forget.js';
import { registerTlsCommands } from './commands/tls.js';
import { registerServeCommand } from './commands/serve.js';
import { registerReportCommand } from './commands/report.js';
import { registerSastCommands } from './commands/sast.js';
import { registerOperatorCommands } from './commands/operator.js';

export function buildProgram(): Command {
  const program = new Command('holdfast')
    .description(
      'Holdfast keeps stateful applications recoverable: encrypted deduplicating backups of volumes,\n' +
        'a private CA that rotates TLS with zero downtime, and SAST-aware restore points.',
    )
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerRepoCommands(program);
  registerBackupCommand(program);
  registerRestoreCommand(program);
  registerSnapshotCommands(program);
  registerCheckCommand(program);
  registerForgetCommands(program);
  registerTlsCommands(program);
  registerServeCommand(program);
  registerReportCommand(program);
  registerSastCommands(program);
  registerOperatorCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    return reportError(e);
  }
}

const isEntry = process.argv[1] && /(?:cli[\\/]main\.[jt]s|bin[\\/]holdfast(\.js)?)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
