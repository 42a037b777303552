/**
 * `holdfast operator run`: the Kubernetes operator in the foreground (what the operator Deployment
 * runs). It watches Holdfast's custom resources cluster-wide, leads through a Lease in its own
 * namespace, and stops cleanly on SIGINT/SIGTERM, releasing the lease so another replica takes over
 * at once.
 */
import { Option, type Command } from 'commander';
import { createLogger } from '../../base/log.js';
import { invalidInput } from '../../base/errors.js';
import { startOperator } from '../../operator/index.js';
import { DURATION_EXAMPLES, parseDurationMs } from '../../base/duration.js';

interface RunFlags {
  kubeconfig?: string;
  namespace: string;
  dataMoverImage: string;
  dataMoverServiceAccount?: string;
  kubeletDir: string;
  identity?: string;
  leaseDuration: string;
  maxCertificateLifetime: string;
}

export function registerOperatorCommands(program: Command): void {
  const op = program.command('operator').description('the Kubernetes operator (CRDs: BackupPolicy, RestorePoint, CertificatePolicy, ...)');
  op.command('run')
    .description('run the operator against a cluster until interrupted')
    .addOption(new Option('--kubeconfig <file>', 'kubeconfig to use; in-cluster service account when omitted').env('KUBECONFIG'))
    .addOption(new Option('-n, --namespace <ns>', "the operator's namespace: its Lease and CA Secret live here").env('HOLDFAST_NAMESPACE').default('holdfast-system'))
    .addOption(new Option('--data-mover-image <image>', 'image of the data mover Jobs (runs `holdfast backup`)').env('HOLDFAST_DATA_MOVER_IMAGE').default('ghcr.io/holdfast/holdfast:0.1.0'))
    .option('--data-mover-service-account <name>', 'service account for data mover pods (default: the namespace default)')
    .addOption(new Option('--kubelet-dir <dir>', "the kubelets' --root-dir, where node-placed data movers find volumes (dataMover.placement: Node)").env('HOLDFAST_KUBELET_DIR').default('/var/lib/kubelet'))
    .addOption(new Option('--identity <id>', 'leader-election identity (default: pod name or host name)').env('HOLDFAST_POD_NAME'))
    .option('--lease-duration <seconds>', 'how long a silent leader keeps the lease', '15')
    .addOption(new Option('--max-certificate-lifetime <duration>', 'refuse a CertificatePolicy whose lifetime is longer; above 398d each issuance warns').env('HOLDFAST_MAX_CERTIFICATE_LIFETIME').default('398d'))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  holdfast operator run                                  # in a pod, with its service account\n' +
        '  holdfast operator run --kubeconfig ~/.kube/config -n holdfast-system\n' +
        '\nInstall the CRDs and RBAC first: kubectl apply -f deploy/crds -f deploy/operator (see docs/kubernetes.md).',
    )
    .action(async (flags: RunFlags) => {
      const lease = Number(flags.leaseDuration);
      if (!Number.isInteger(lease) || lease < 5) throw invalidInput('OPERATOR_LEASE', `--lease-duration ${flags.leaseDuration}: a whole number of seconds, at least 5`);
      if (!flags.kubeletDir.startsWith('/')) throw invalidInput('OPERATOR_KUBELET_DIR', `--kubelet-dir ${flags.kubeletDir}: an absolute path, like /var/lib/kubelet`);
      const maxCertificateLifetimeMs = parseDurationMs(flags.maxCertificateLifetime);
      if (!maxCertificateLifetimeMs) throw invalidInput('OPERATOR_MAX_LIFETIME', `--max-certificate-lifetime ${flags.maxCertificateLifetime}: ${DURATION_EXAMPLES}, more than zero`);
      const log = createLogger();
      const handle = await startOperator({
        namespace: flags.namespace,
        ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
        ...(flags.identity ? { identity: flags.identity } : {}),
        dataMoverImage: flags.dataMoverImage,
        ...(flags.dataMoverServiceAccount ? { dataMoverServiceAccount: flags.dataMoverServiceAccount } : {}),
        kubeletDir: flags.kubeletDir,
        maxCertificateLifetimeMs,
        leaseDurationMs: lease * 1000,
        renewDeadlineMs: Math.round(lease * 1000 * (2 / 3)),
        retryMs: Math.max(1000, Math.round((lease * 1000) / 7)),
        log,
      });
      log.info('operator started', { namespace: flags.namespace, identity: handle.identity });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      log.info('operator stopping');
      await handle.stop();
    });
}
