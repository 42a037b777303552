/**
 * The auditors' report of an Incident, in Markdown: the finding, the restore point chosen and why
 * (the reasoning lines of the choice), the evidence kept, the versions restarted on, the
 * certificates with their old and new serials, and the timeline of steps. Pure: built from the
 * spec and the status the steps wrote.
 */
import { mdText as t } from '../../base/markdown.js';
import type { IncidentSpec, IncidentStatus } from '../api/index.js';

export function renderReport(name: string, namespace: string, spec: IncidentSpec, status: IncidentStatus, now: Date): string {
  const f = spec.vulnerable.finding;
  const p = status.plan ?? {};
  const lines = [
    `# Incident ${namespace}/${name}`,
    '',
    `Report written ${now.toISOString()}. PVC \`${namespace}/${spec.pvc}\`, playbook \`${spec.playbook}\`.`,
    '',
    '## Finding',
    '',
    f ? `- ${t(f.id)}: rule ${t(f.ruleId)}, severity ${t(f.severity)}: ${t(f.message)}` : '- (no finding recorded in the Incident)',
    `- vulnerable image digests: ${spec.vulnerable.imageDigests.map((d) => `\`${d}\``).join(', ')}`,
    ...(spec.clean?.imageDigests.length ? [`- clean image digests: ${spec.clean.imageDigests.map((d) => `\`${d}\``).join(', ')}`] : []),
    ...(p.exposedSince ? [`- exposed since: ${t(p.exposedSince)}`] : []),
    '',
    '## Restore point',
    '',
    `- chosen: RestorePoint \`${p.restorePoint ?? '(none)'}\`, snapshot \`${p.snapshotId ?? '-'}\`, taken ${t(p.restorePointTime ?? '-')}`,
    `- why: ${t(p.message ?? '-')}`,
    ...(p.reasoning ?? []).map((r) => `  - ${t(r)}`),
    `- restore: \`${status.restore?.name ?? '-'}\` (${t(status.restore?.phase ?? '-')}), in place`,
    '',
    '## Evidence',
    '',
    `- the state before the restore was backed up by Job \`${status.evidence?.job ?? '-'}\` as snapshot \`${status.evidence?.snapshotId ?? '-'}\` (RestorePoint \`${status.evidence?.restorePoint ?? '-'}\`, tagged incident-evidence; never deleted by a playbook)`,
    ...(p.running ?? []).map((v) => `- running before: ${t(v.workload)} ${t(v.container ?? '')} ${t(v.image ?? '')} ${v.imageDigest ? `\`${v.imageDigest}\`` : '(no digest)'}`.replace(/ +/g, ' ')),
    '',
    '## Workloads',
    '',
    ...(status.workloads ?? []).map((w) => `- ${t(w.kind)} ${t(w.name)}: ${w.replicas} replica(s); before: ${w.containers.map((c) => `${t(c.name)}=${t(c.image)}`).join(', ')}`),
    ...(p.knownGood ?? []).map((v) => `- known-good (recorded by the restore point): ${t(v.workload)} ${t(v.container ?? '')} \`${v.imageDigest ?? '-'}\``.replace(/ +/g, ' ')),
    ...(spec.knownGoodImage ? [`- known-good (named in spec.knownGoodImage): ${t(spec.knownGoodImage)}`] : []),
    '',
    '## Certificates',
    '',
    ...((status.certificates ?? []).length
      ? status.certificates!.map((c) => `- CertificatePolicy ${t(c.policy)} (Secret ${t(c.secretName)}): serial ${t(c.oldSerial ?? '(none)')} -> ${t(c.newSerial ?? '(not reissued)')}, key ${t(c.oldKeyId?.slice(0, 16) ?? '-')} -> ${t(c.newKeyId?.slice(0, 16) ?? '-')}`)
      : ['- no CertificatePolicy serves the affected workloads']),
    '',
    '## Timeline',
    '',
    '| step | uses | phase | attempts | started | completed |',
    '|---|---|---|---|---|---|',
    ...(status.steps ?? []).map((s) => `| ${[s.name, s.uses, s.phase, String(s.attempts), s.startedAt ?? '', s.completedAt ?? ''].map(t).join(' | ')} |`),
    '',
  ];
  return lines.join('\n');
}
