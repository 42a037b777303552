/**
 * The `holdfast` command. Each command group lives in its own file under commands/ and adds itself
 * to the program here; this file only wires them and maps failures to exit codes.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { reportError } from './exit.js';
import { startKeyDerivation } from './early-key.js';

type Register = (program: Command) => void;

/**
 * Command groups by the top-level names they add. Only the group a command line names is loaded:
 * the server, the Kubernetes client and the X.509 stack cost a second of start-up, which every
 * `holdfast backup` run and data-mover Job would otherwise pay. `--help` loads them all.
 */
const groups: { names: string[]; load: () => Promise<Register> }[] = [
  { names: ['repo', 'key'], load: async () => (await import('./commands/repo.js')).registerRepoCommands },
  { names: ['backup'], load: async () => (await import('./commands/backup.js')).registerBackupCommand },
  { names: ['restore'], load: async () => (await import('./commands/restore.js')).registerRestoreCommand },
  { names: ['snapshots', 'ls', 'diff'], load: async () => (await import('./commands/snapshots.js')).registerSnapshotCommands },
  { names: ['locks', 'unlock'], load: async () => (await import('./commands/locks.js')).registerLockCommands },
  { names: ['check'], load: async () => (await import('./commands/check.js')).registerCheckCommand },
  { names: ['repair'], load: async () => (await import('./commands/repair.js')).registerRepairCommands },
  { names: ['forget', 'prune'], load: async () => (await import('./commands/forget.js')).registerForgetCommands },
  { names: ['tls'], load: async () => (await import('./commands/tls.js')).registerTlsCommands },
  { names: ['serve'], load: async () => (await import('./commands/serve.js')).registerServeCommand },
  { names: ['report'], load: async () => (await import('./commands/report.js')).registerReportCommand },
  { names: ['sast', 'deploy', 'restore-point'], load: async () => (await import('./commands/sast.js')).registerSastCommands },
  { names: ['operator'], load: async () => (await import('./commands/operator.js')).registerOperatorCommands },
  { names: ['incident'], load: async () => (await import('./commands/incident.js')).registerIncidentCommands },
  { names: ['catalog'], load: async () => (await import('./commands/catalog.js')).registerCatalogCommands },
];

/**
 * The package's own version, the same from src/ and dist/ (both two levels below it); not
 * npm_package_version, which under `npm run` in another project is that project's version.
 */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('holdfast')
    .description(
      'Holdfast keeps stateful applications recoverable: encrypted deduplicating backups of volumes,\n' +
        'a private CA that rotates TLS with zero downtime, and SAST-aware restore points.',
    )
    .version(packageVersion())
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  const name = argv.find((a) => !a.startsWith('-')) ?? (argv.includes('--version') || argv.includes('-V') ? 'version' : undefined);
  const named = groups.filter((g) => name !== undefined && g.names.includes(name));
  if (name !== 'version') for (const g of named.length ? named : groups) (await g.load())(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    return reportError(e);
  }
}

const isEntry = process.argv[1] && /(?:cli[\\/]main\.[jt]s|bin[\\/]holdfast(\.js)?)$/.test(process.argv[1]);
if (isEntry) {
  // `holdfast snapshots | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  // Before the command's modules load: scrypt runs on the thread pool meanwhile (early-key.ts).
  startKeyDerivation(process.argv.slice(2), process.env);
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
