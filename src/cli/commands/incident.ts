/**
 * `holdfast incident ...`: SAST-aware incident playbooks (src/playbook). `plan` is a dry run; `run`
 * executes after --yes (or a typed "yes" on a terminal); `status`, `resume`, `abort`, `list` work
 * on the journal in the catalog. The engine is loaded lazily from incident-actions.ts so other
 * commands do not pay for it.
 */
import { Option, type Command } from 'commander';

export interface IncidentFlags {
  config: string;
  catalog?: string;
  json?: boolean;
}

export interface TargetFlags extends IncidentFlags {
  volume: string;
  finding?: string;
  severity?: string;
  skipUnknown?: boolean;
  allowSuspicious?: boolean;
  rotateCa?: boolean;
  knownGoodCommit?: string;
  knownGoodImageDigest?: string;
  healthPath: string;
  playbook: string;
  yes?: boolean;
}

const common = (cmd: Command) =>
  cmd
    .addOption(new Option('-c, --config <file>', 'holdfast.yaml: volumes, workloads, repositories, certificates').env('HOLDFAST_CONFIG').makeOptionMandatory())
    .option('--catalog <file>', "the catalog (default: catalog.db in the config's server.dataDir, the one holdfast serve uses)")
    .option('--json', 'machine-readable output');

const target = (cmd: Command) =>
  common(cmd)
    .requiredOption('--volume <name>', 'the volume to restore')
    .option('--finding <id>', 'the vulnerability: one finding')
    .option('--severity <level>', 'the vulnerability: any open finding at or above this (default high)')
    .option('--skip-unknown', 'step over restore points whose versions were never scanned, instead of refusing')
    .option('--allow-suspicious', 'consider restore points marked suspicious by their change signals (ransomware signals), and those after them')
    .option('--rotate-ca', 'also rotate the CA (trust bundles overlap old and new CA while leaves roll)')
    .option('--known-good-commit <sha>', 'restart on this version instead of the one the restore point records')
    .option('--known-good-image-digest <sha256:...>', 'its image digest')
    .option('--health-path <path>', 'HTTP health check path on the certificate endpoints', '/healthz')
    .option('--playbook <name|file.yaml>', 'a built-in playbook or your own YAML', 'restore-secure-and-rotate');

const examples = `
Examples:
  holdfast incident plan --config holdfast.yaml --volume shop-data --finding 3f2a91c07b1d4e55
  holdfast incident run  --config holdfast.yaml --volume shop-data --severity high --yes
  holdfast incident status inc-20261201-101500-9f2c --config holdfast.yaml
  holdfast incident resume inc-20261201-101500-9f2c --config holdfast.yaml   # after a crash or a fixed failure
  holdfast incident abort  inc-20261201-101500-9f2c --config holdfast.yaml   # undo what can be undone
Exit status: 0 done; 6 refused (no clean restore point, an active incident on the volume, an unverified result).`;

const act = async () => import('./incident-actions.js');

export function registerIncidentCommands(program: Command): void {
  const inc = program
    .command('incident')
    .description('incident playbooks: restore the last secure backup while rotating TLS, journaled, resumable, audited')
    .addHelpText('after', examples);
  target(inc.command('plan'))
    .description('dry run: what would happen, to which volume and certificates, and which restore point is chosen and why')
    .action(async (f: TargetFlags) => (await act()).planAction(f));
  target(inc.command('run'))
    .description('run the playbook (asks first; --yes to run without asking)')
    .option('-y, --yes', 'run without asking (scripts; required when not on a terminal)')
    .action(async (f: TargetFlags) => (await act()).runAction(f));
  common(inc.command('status <id>'))
    .description('an incident and its steps, from the journal')
    .action(async (id: string, f: IncidentFlags) => (await act()).statusAction(id, f));
  common(inc.command('resume <id>'))
    .description('continue an interrupted or failed incident from its journal (completed steps are not repeated)')
    .action(async (id: string, f: IncidentFlags) => (await act()).resumeAction(id, f));
  common(inc.command('approve <id>'))
    .description('run a proposed incident (one a trigger planned and left awaiting approval)')
    .action(async (id: string, f: IncidentFlags) => (await act()).resumeAction(id, f));
  common(inc.command('abort <id>'))
    .description('undo what the incident did, newest first, and say what cannot be undone (evidence is always kept)')
    .action(async (id: string, f: IncidentFlags) => (await act()).abortAction(id, f));
  common(inc.command('list'))
    .description('recent incidents')
    .action(async (f: IncidentFlags) => (await act()).listAction(f));
}
