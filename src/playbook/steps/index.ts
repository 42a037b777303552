/** The step kinds this build can run, by their `uses` name. */
import { assessStep, chooseStep } from './assess.js';
import { evidenceStep } from './evidence.js';
import { quiesceStep } from './quiesce.js';
import { reportStep } from './report.js';
import { restartStep } from './restart.js';
import { restoreStep } from './restore.js';
import { rotateTlsStep } from './rotate-tls.js';
import type { StepKind } from './types.js';
import { verifyStep } from './verify.js';

export const stepKinds: ReadonlyMap<string, StepKind> = new Map(
  [assessStep, chooseStep, evidenceStep, quiesceStep, restoreStep, restartStep, rotateTlsStep, verifyStep, reportStep].map((k) => [k.uses, k]),
);
export const knownStepKinds: ReadonlySet<string> = new Set(stepKinds.keys());
export type { StepKind, StepEnv, Outputs } from './types.js';
