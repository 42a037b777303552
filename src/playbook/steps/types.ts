/** The contract between the runner and a step kind. */
import type { Repository } from '../../backup/index.js';
import type { Catalog } from '../../catalog/index.js';
import type { Clock } from '../../platform/clock.js';
import type { IncidentFacts, IncidentParams } from '../facts.js';

export type Outputs = Record<string, unknown>;

export interface StepEnv {
  incidentId: string;
  stepId: string;
  /** The step's `with:` parameters from the playbook. */
  with: Record<string, unknown>;
  params: IncidentParams;
  facts: IncidentFacts;
  catalog: Catalog;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  /** The backup repository, opened once per process on first use. */
  repo(): Promise<Repository>;
  /** Outputs of the latest completed step of this kind (e.g. 'choose-restore-point'). */
  outputsOf(uses: string): Outputs | undefined;
  /** What an earlier, interrupted attempt of this step recorded; {} on the first attempt. */
  progress: Outputs;
  /** Journals facts before a side effect, so a re-run after a crash can tell what was done. */
  recordProgress(p: Outputs): void;
  log(message: string): void;
  /**
   * A named point inside a step where a test may stop the process (HOLDFAST_PLAYBOOK_HOLD=step:point,...):
   * the kill -9 tests need the crash at an exact place, not wherever a timer lands.
   */
  hold(point: string): Promise<void>;
}

export interface StepKind {
  uses: string;
  /** For the plan: what this step would do, in one line. */
  describe(env: Pick<StepEnv, 'facts' | 'params' | 'with'>): string;
  /**
   * What must hold before the run starts, checked by the plan (so `run` refuses before anything is
   * written): the problem in one line, or undefined.
   */
  precondition?(env: Pick<StepEnv, 'facts' | 'params' | 'with'>): string | undefined;
  /** Does the work and returns its outputs. Must be safe to run again after an interrupted attempt. */
  run(env: StepEnv): Promise<Outputs>;
  /** Undoes a completed step for `abort`; returns what it did. Absent: `cannotUndo` says why. */
  undo?(env: StepEnv, outputs: Outputs): Promise<string>;
  cannotUndo?: string;
}
