/**
 * The engine's worker threads start as every layer's do (src/base/workers.ts), with a young
 * generation of YOUNG_GENERATION_MB. Their garbage is the chunks and packs they pass on, which die
 * young; V8 would otherwise grow the young generation to 16 MiB semi-spaces under that allocation
 * rate and hold that much garbage per thread. bin/holdfast.js starts Node with the same bound
 * (`--max-semi-space-size`), which V8 applies to every thread over this limit; this one holds where
 * the engine runs without it (`node dist/cli/main.js`, the tests).
 */
import type { Worker, WorkerOptions } from 'node:worker_threads';
import { startWorker as start } from '../base/workers.js';

/** Three semi-spaces' worth (V8's young generation is a semi-space pair and as much again): 4 MiB semi-spaces, as bin/holdfast.js's flag. */
const YOUNG_GENERATION_MB = 12;

export function startWorker(base: string, name: string, options: WorkerOptions = {}): Worker {
  return start(base, name, { ...options, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, ...options.resourceLimits } });
}
