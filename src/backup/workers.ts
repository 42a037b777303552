/**
 * Starting the engine's worker threads: the compiled .js in production; under tsx (tests, running
 * from source) a tiny bootstrap loads the .ts through tsx's API, because Node 20 does not pass
 * `--import` loaders on to workers. `base` is the calling module's import.meta.url.
 */
import { Worker } from 'node:worker_threads';

export function startWorker(base: string, name: string): Worker {
  if (!base.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, base));
  const api = import.meta.resolve('tsx/esm/api');
  const file = new URL(`./${name}.ts`, base).href;
  return new Worker(`import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(file)}, ${JSON.stringify(base)}))`, { eval: true });
}
