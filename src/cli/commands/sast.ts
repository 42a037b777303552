/** `holdfast sast ...`: ingest SARIF reports, list and dismiss findings, and judge a version. */
import { Option, type Command } from 'commander';
import { formatTable } from '../../base/format.js';
import { invalidInput, notFound } from '../../base/errors.js';
import { checkCommit, type FindingRow } from '../../catalog/index.js';
import {
  atLeast,
  dismissReasons,
  dismissFinding,
  offThreadIngester,
  readReportFile,
  severities,
  versionVerdict,
  defaultMaxReportBytes,
  type Severity,
  type VerdictTarget,
} from '../../sast/index.js';
import { loadConfig, sastSlaSchema } from '../../config/index.js';
import { decideSla, type SlaSeverity } from '../../policy/schedule-health.js';
import { catalogOptions, cliClock, collect, emit, parseSeverity, parseTime, withCatalog, type CatalogFlags } from './sast-catalog.js';
import { catalogOfConfig, describeIncidents, keepFor, proposeForIngest, type IngestIncidents } from './sast-incidents.js';
import { registerDeployCommands } from './deploy.js';
import { registerRestorePointCommands } from './restore-point.js';

function parseSize(s: string | undefined): number {
  if (!s) return defaultMaxReportBytes;
  const m = /^(\d+)\s*(k|m|g)?i?b?$/i.exec(s.trim());
  if (!m) throw invalidInput('BAD_SIZE', `--max-size ${s}: expected a size like 256M`);
  return Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
}

type IngestFlags = CatalogFlags & {
  repository: string;
  commit?: string;
  ref: string;
  imageDigest: string[];
  category?: string;
  scanTime?: string;
  sourceRoot?: string;
  maxSize?: string;
  config?: string;
};

type Sla = Record<SlaSeverity, number>;

/** "critical=7,high=30" (from --sla or HOLDFAST_SAST_SLA): days by severity, over the config's defaults. */
function parseSlaFlag(spec: string | undefined): Sla {
  const out: Sla = sastSlaSchema.parse(undefined);
  for (const part of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(critical|high|medium|low)=(\d+)$/.exec(part);
    if (!m) throw invalidInput('BAD_SLA', `--sla ${part}: expected severity=days, e.g. high=30`);
    out[m[1] as SlaSeverity] = Number(m[2]) * 86_400_000;
  }
  return out;
}

const slaOf = (f: FindingRow, sla: Sla, now: Date) => decideSla({ state: f.state, severity: f.severity, firstSeenAt: new Date(f.firstSeenAt), now, sla });

function findingRows(list: FindingRow[], sla: Sla): string[][] {
  const now = cliClock.now();
  return list.map((f) => {
    const s = slaOf(f, sla, now);
    return [f.id, f.severity, f.state, f.tool, f.ruleId, `${f.path ?? '?'}${f.startLine ? ':' + f.startLine : ''}`, f.cwes.join(',') || '-', f.firstSeenCommit.slice(0, 8), s.reason === 'Overdue' ? 'OVERDUE' : s.dueAt ? s.dueAt.toISOString().slice(0, 10) : '-'];
  });
}

/** Progress as the other commands give it: a JSON line with --json, a line on a terminal, else nothing. */
function ingestProgress(flags: { json?: boolean }, name: string, results: number): void {
  if (flags.json) process.stderr.write(JSON.stringify({ type: 'progress', phase: 'writing', results }) + '\n');
  else if (process.stderr.isTTY) process.stderr.write(`${name} read: writing ${results} result(s) to the catalog (Ctrl-C stops with nothing written)\n`);
}

/** ", runs 0+1 merged" when a report's runs of one tool made one scan. */
const mergedRuns = (runs: number[]) => (runs.length > 1 ? `, runs ${runs.join('+')} merged` : '');

/** Registers `sast`, `deploy` and `restore-point`: the security-aware recovery commands. */
export function registerSastCommands(program: Command): void {
  registerSastGroup(program);
  registerDeployCommands(program);
  registerRestorePointCommands(program);
}

function registerSastGroup(program: Command): void {
  const sast = program.command('sast').description('SAST results: ingest SARIF from any scanner, follow findings per version, judge versions');

  catalogOptions(sast.command('ingest <file>'))
    .description('ingest a SARIF 2.1.0 report (a file, a .gz, or - for stdin) for one commit of a repository')
    .requiredOption('--repository <repo>', 'source repository, e.g. github.com/acme/shop')
    .option('--commit <sha>', 'commit the report was made for (required unless the report names it)')
    .requiredOption('--ref <ref>', 'branch or ref scanned, e.g. refs/heads/main')
    .option('--image-digest <sha256:...>', 'an image built from this commit (repeatable)', collect, [])
    .option('--category <name>', 'category of the analysis (default: the run’s automationDetails, else the tool)')
    .option('--scan-time <iso>', 'when the scan ran (default: the run’s invocation time, else now)')
    .option('--source-root <dir>', 'absolute checkout root the scanner ran in, stripped from absolute paths')
    .option('--max-size <size>', 'refuse reports larger than this once decompressed', '256M')
    .option('-c, --config <file>', "holdfast.yaml: also propose incidents for the report's new findings, as holdfast serve's upload does (catalog: the one serve uses, unless --catalog)")
    .addHelpText(
      'after',
      [
        '',
        'Without --config the report is only ingested: no incident is proposed. With --config, a new finding at or',
        "above the config's sast.blockAt in a version deployed now proposes one incident per volume that version",
        'writes (for its most severe new finding), exactly as a SARIF upload to holdfast serve does. Nothing runs and',
        'no alert is sent from here: the proposal is in the catalog, where serve\'s dashboard and alerts see it, and',
        '`holdfast incident approve <id>` runs it. The config\'s sast.severityPolicy decides severities (default: the',
        'strictest of what the scanner and the SARIF level said).',
        '',
        'Examples:',
        '  bandit -r . -f sarif -o bandit.sarif',
        '  holdfast sast ingest bandit.sarif --repository github.com/acme/shop --commit $(git rev-parse HEAD) --ref refs/heads/main',
        '  holdfast sast ingest bandit.sarif --config holdfast.yaml --repository github.com/acme/shop --commit $(git rev-parse HEAD) --ref main --json',
        '  semgrep scan --sarif --config rules.yml | holdfast sast ingest - --repository github.com/acme/shop --commit 3f2a91c --ref main --image-digest sha256:…',
      ].join('\n'),
    )
    .action(async (file: string, flags: IngestFlags, cmd: Command) => {
      if (flags.commit !== undefined) checkCommit(flags.commit.toLowerCase());
      const envelope = {
        repository: flags.repository,
        commit: flags.commit,
        ref: flags.ref,
        imageDigests: flags.imageDigest,
        category: flags.category,
        scanTime: parseTime('--scan-time', flags.scanTime),
        sourceRoot: flags.sourceRoot,
      };
      const max = parseSize(flags.maxSize);
      // A bad config fails before anything is written.
      const loaded = flags.config ? await loadConfig(flags.config) : undefined;
      const catalog = loaded && cmd.getOptionValueSource('catalog') === 'default' ? catalogOfConfig(loaded) : flags.catalog;
      const report = await readReportFile(file, max);
      const name = file === '-' ? 'stdin' : file;
      const { summary, incidents } = await withCatalog({ ...flags, catalog }, async (c) => {
        // In a worker, as serve's upload: one path, whose memory bench/sast-ingest.ts measures.
        // No deadline: whoever runs the CLI sees it and can stop it.
        const ingester = offThreadIngester({ catalogPath: c.location, clock: cliClock, deadlineMs: Infinity });
        // Ctrl-C (or SIGTERM) stops the ingest with nothing written (or, once its commit began, lets it
        // finish), and the catalog is closed before exiting. A second one, the handler gone, ends the process.
        const interrupt = new AbortController();
        const onInt = () => interrupt.abort();
        process.once('SIGINT', onInt);
        process.once('SIGTERM', onInt);
        let summary;
        try {
          // Without --config nothing is proposed, so only the most severe new findings are listed (newOpenCount counts all):
          // every high one of a 200k-result report would be tens of MiB to copy back from the worker and print.
          summary = await ingester.ingest(report, envelope, {
            name,
            actor: 'cli',
            keep: loaded ? keepFor(loaded) : { max: 1000 },
            severityPolicy: loaded?.config.sast.severityPolicy,
            signal: interrupt.signal,
            onWriting: (results) => ingestProgress(flags, name, results),
          });
        } finally {
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onInt);
          await ingester.close();
        }
        const incidents: IngestIncidents | undefined = loaded ? await proposeForIngest(loaded, c, summary, { json: flags.json, file: name }) : undefined;
        return { summary, incidents };
      });
      for (const w of summary.warnings) process.stderr.write(`warning: ${w}\n`);
      emit(flags, incidents ? { ...summary, incidents } : summary, () =>
        [
          summary.sameAs
            ? `${file === '-' ? 'stdin' : file} is the same report as ${summary.sameAs.reportSha256.slice(0, 12)}, ingested ${summary.sameAs.ingestedAt} for ${summary.repository}@${summary.commit.slice(0, 12)} (${summary.ref}): recorded, nothing changed`
            : `ingested ${file === '-' ? 'stdin' : file} for ${summary.repository}@${summary.commit.slice(0, 12)} (${summary.ref}): ${summary.scans.length} run(s)`,
          ...summary.scans.map((s) =>
            s.alreadyIngested
              ? `  ${s.tool} (${s.category}${mergedRuns(s.runs)}): already ingested, nothing changed`
              : `  ${s.tool} (${s.category}${mergedRuns(s.runs)}): ${s.status}, ${s.results} result(s): ${s.new} new, ${s.unchanged} unchanged, ${s.reopened} reopened, ${s.fixed} fixed, ${s.suppressed} suppressed` +
                (s.status === 'complete' ? '' : ` — ${s.statusReason}; nothing marked fixed`),
          ),
          ...(incidents && loaded ? describeIncidents(incidents, flags.config!) : []),
        ].join('\n'),
      );
    });

  catalogOptions(sast.command('findings'))
    .description('list findings with their state, first-seen commit and SLA deadline')
    .option('--severity <list>', 'only these severities, comma-separated (critical,high,...); "high+" means high and above')
    .option('--state <list>', 'only these states: open, fixed, dismissed, suppressed (comma-separated)')
    .option('--tool <name>', 'only findings of this tool (as the report names it, e.g. Bandit)')
    .option('--repository <repo>', 'only findings of this repository')
    .option('--ref <ref>', 'only findings on this ref')
    .addOption(new Option('--sla <spec>', 'SLA days by severity, e.g. critical=7,high=30 (default 7/30/90/180)').env('HOLDFAST_SAST_SLA'))
    .addHelpText('after', '\nExamples:\n  holdfast sast findings --state open --severity high+\n  holdfast sast findings --tool Bandit --json')
    .action(async (flags: CatalogFlags & { severity?: string; state?: string; tool?: string; repository?: string; ref?: string; sla?: string }) => {
      let sevs: Severity[] | undefined;
      if (flags.severity) {
        sevs = flags.severity.split(',').flatMap((s) => {
          const t = s.trim();
          if (t.endsWith('+')) {
            const min = parseSeverity('--severity', t.slice(0, -1));
            return severities.filter((x) => atLeast(x, min));
          }
          return [parseSeverity('--severity', t)];
        });
      }
      const states = flags.state?.split(',').map((s) => s.trim());
      for (const s of states ?? []) if (!['open', 'fixed', 'dismissed', 'suppressed'].includes(s)) throw invalidInput('BAD_STATE', `--state ${s}: expected open, fixed, dismissed or suppressed`);
      const sla = parseSlaFlag(flags.sla);
      const list = await withCatalog(flags, (c) =>
        c.sast.listFindings({ ...(sevs ? { severities: sevs } : {}), ...(states ? { states } : {}), ...(flags.tool ? { tool: flags.tool } : {}), ...(flags.repository ? { repository: flags.repository } : {}), ...(flags.ref ? { ref: flags.ref } : {}) }),
      );
      const now = cliClock.now();
      emit(flags, list.map((f) => {
        const s = slaOf(f, sla, now);
        return { ...f, sla: s.reason, dueAt: s.dueAt?.toISOString(), slaMessage: s.message };
      }), () =>
        formatTable(['ID', 'SEVERITY', 'STATE', 'TOOL', 'RULE', 'LOCATION', 'CWE', 'FIRST-SEEN', 'DUE'], findingRows(list, sla)) + `\n${list.length} finding(s)`,
      );
    });

  catalogOptions(sast.command('dismiss <id>'))
    .description('dismiss a finding with a reason; the dismissal survives re-scans and is audited')
    .requiredOption('--reason <reason>', `why: ${dismissReasons.join(' | ')}`)
    .option('--comment <text>', 'what a reviewer should know')
    .addHelpText('after', '\nExample:\n  holdfast sast dismiss 3f2a91c07b1d4e55 --reason false-positive --comment "input is a constant"')
    .action(async (id: string, flags: CatalogFlags & { reason: string; comment?: string }) => {
      const f = await withCatalog(flags, (c) => dismissFinding(c, cliClock, { id, reason: flags.reason, comment: flags.comment, actor: 'cli' }));
      emit(flags, f, () => `dismissed ${f.id} (${f.tool} ${f.ruleId} in ${f.path ?? '?'}) as ${f.dismissedReason}`);
    });

  catalogOptions(sast.command('verdict <version>'))
    .description('is this version (a commit or an image digest) clean, vulnerable or unknown?')
    .option('--severity <level>', 'vulnerable means an open finding at or above this', 'high')
    .option('--finding <id>', 'judge for one finding instead of a severity')
    .addHelpText('after', '\nExamples:\n  holdfast sast verdict 3f2a91c\n  holdfast sast verdict sha256:… --severity medium --json')
    .action(async (ref: string, flags: CatalogFlags & { severity: string; finding?: string }) => {
      const target: VerdictTarget = flags.finding ? { findingId: flags.finding } : { severity: parseSeverity('--severity', flags.severity) };
      const out = await withCatalog(flags, (c) => {
        const v = ref.startsWith('sha256:') ? c.versions.findByDigest(ref) : c.versions.findByCommit(ref.toLowerCase());
        if (!v) throw notFound('VERSION_NOT_FOUND', `verdict for ${ref}: no such version in the catalog (ingest a report or record a deployment first)`);
        if (flags.finding && !c.sast.getFinding(flags.finding)) throw notFound('FINDING_NOT_FOUND', `verdict for ${ref}: no finding ${flags.finding}`);
        return { version: v, ...versionVerdict(c, v.id, target) };
      });
      emit(flags, out, () =>
        [
          `${out.version.repository ?? '?'}@${out.version.commit.slice(0, 12)}: ${out.verdict.toUpperCase()} — ${out.message}`,
          ...out.findings.map((f) => `  ${f.id} ${f.severity} ${f.ruleId} ${f.path ?? ''} ${f.message.slice(0, 80)}`),
        ].join('\n'),
      );
    });
}
