/** The engine's worker threads start as every layer's do (src/base/workers.ts). */
export { startWorker } from '../base/workers.js';
