/**
 * playbook: incident playbooks — declarative runs of steps that change a protected application
 * (restore a volume, restart a workload, rotate certificates) and prove the result.
 *
 * Terms
 * - playbook: YAML naming steps by kind (`uses`), their order (`needs`) and parameters (`with`).
 * - step kind: one kind of work with a run, and an undo where one exists (steps/).
 * - incident: one run of a playbook against one volume, journaled step by step in the catalog
 *   (catalog/incidents.ts), resumable after a crash, abortable.
 * - plan: what a run would do and why, computed without changing anything.
 * - evidence: backups of the state an incident replaces, tagged `incident-evidence`; never deleted by a playbook.
 * - engine: the walk over a playbook's steps against a journal (engine.ts), shared by the local
 *   runner (journal in the catalog) and the Kubernetes Incident controller (journal in its status).
 * - trigger: the decision that a new finding warrants an incident (trigger.ts); one proposal per
 *   volume for one report (withdraw.ts, propose.ts's proposeForReport).
 *
 * Drives backup/, tls/, sast/, policy/ and platform/local; nothing below imports it.
 */
export { advance, type Journal, type JournalStep, type StepOutcome, type AdvanceResult, type RunnablePlaybook } from './engine.js';
export { parsePlaybook, orderSteps, playbookSchema, type Playbook, type PlaybookStep } from './definition.js';
export { builtinPlaybooks } from './builtin.js';
export { gatherFacts, type IncidentFacts, type IncidentParams } from './facts.js';
export { loadPlaybook, planIncident, explainPlan, type IncidentPlan, type LoadedPlaybook } from './plan.js';
export { runIncident, resumeIncident, abortIncident, newIncidentId, type RunnerDeps, type AbortReport } from './runner.js';
export { startWorkload, stopWorkload, runningPid, pidFileOf, alive } from './service.js';
export { knownStepKinds } from './steps/index.js';
export { EVIDENCE_TAG } from './steps/evidence.js';
export { onNewFindings, proposeForReport, withdrawProposal, type TriggerOutcome, type ReportProposals } from './propose.js';
export { decideWithdraw, type WithdrawInput } from './withdraw.js';
export { decideTrigger, type TriggerInput, type TriggerDecision, type TriggerPolicy } from './trigger.js';
export { renderMarkdown, renderHtml } from './report.js';
export { keyIdOf } from './checks.js';
