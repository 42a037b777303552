/**
 * Starting worker threads: the compiled .js in production; under tsx (tests, running from
 * source) a tiny bootstrap loads the .ts through tsx's API, because Node 20 does not pass
 * `--import` loaders on to workers. `base` is the calling module's import.meta.url.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

// Resolved once, at load: a resolve through the loader thread while a worker is compiling
// waits on that thread, and would stall a server's event loop for the worker's whole start.
const tsxApi = import.meta.url.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : undefined;

export function startWorker(base: string, name: string, options: WorkerOptions = {}): Worker {
  if (!base.endsWith('.ts') || !tsxApi) return new Worker(new URL(`./${name}.js`, base), options);
  const file = new URL(`./${name}.ts`, base).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((m) => m.tsImport(${JSON.stringify(file)}, ${JSON.stringify(base)}))`, { ...options, eval: true });
}
