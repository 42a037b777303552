/**
 * The playbooks shipped with Holdfast. `restore-secure-and-rotate` is the SAST-aware recovery:
 * evidence first (nothing is lost), the shortest possible write outage (the live evidence backup
 * and the restore into a scratch directory run before the service stops; only the incremental seal,
 * two renames and the restart happen while it is down),
 * and certificates rotated on the restored, restarted service, where the hot reload drops nothing.
 */
export const restoreSecureAndRotate = `# Restore the last backup taken before a vulnerable version went live, and rotate TLS.
playbook: restore-secure-and-rotate
description: restore the last secure backup of a volume while rotating the TLS certificates of the workloads that mount it
steps:
  - id: assess
    uses: assess
    description: which deployed versions carry the finding, since when, which volumes they wrote to
  - id: choose
    uses: choose-restore-point
    needs: [assess]
    description: the latest restore point taken before the exposure with only clean versions
  - id: evidence-live
    uses: preserve-evidence
    needs: [choose]
    description: back up the current (possibly compromised) state while the service still runs
  - id: stage-restore
    uses: restore
    needs: [evidence-live]
    with: { stage: true }
    description: restore the chosen point into a scratch directory beside the volume while the service still serves
  - id: quiesce
    uses: quiesce
    needs: [stage-restore]
    description: stop the workloads that write the volume
  - id: evidence-sealed
    uses: preserve-evidence
    needs: [quiesce]
    with: { sealed: true }
    description: back up what was written since, now that nothing writes (incremental, quick)
  - id: restore
    uses: restore
    needs: [evidence-sealed]
    description: restore the chosen point into a scratch directory, then swap it into place by rename
  - id: restart
    uses: restart
    needs: [restore]
    description: start the workloads on the known-good version and wait until they are healthy
  - id: rotate-tls
    uses: rotate-tls
    needs: [restart]
    description: new leaf keys for the workloads' certificates (and the CA, with --rotate-ca)
  - id: verify
    uses: verify
    needs: [rotate-tls]
    description: health check, new certificates served and trusted, data equal to the restore point
  - id: report
    uses: report
    needs: [verify]
    description: Markdown and HTML report for the auditors; the pre-restore directory is removed (it is evidence)
`;

export const builtinPlaybooks: Record<string, string> = { 'restore-secure-and-rotate': restoreSecureAndRotate };
