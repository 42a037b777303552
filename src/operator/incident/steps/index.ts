/** The Kubernetes step kinds, by their `uses` name (the names of the local ones where the meaning is the same). */
import { assessStep, chooseStep } from './assess.js';
import { evidenceStep } from './evidence.js';
import { quiesceStep } from './quiesce.js';
import { reportStep } from './report.js';
import { restartStep } from './restart.js';
import { restoreStep } from './restore.js';
import { rotateTlsStep } from './rotate-tls.js';
import type { KubeStepKind } from './types.js';
import { verifyStep } from './verify.js';

export const kubeStepKinds: ReadonlyMap<string, KubeStepKind> = new Map(
  [assessStep, chooseStep, quiesceStep, evidenceStep, restoreStep, restartStep, rotateTlsStep, verifyStep, reportStep].map((k) => [k.uses, k]),
);
export type { KubeStepKind, IncidentEnv } from './types.js';
