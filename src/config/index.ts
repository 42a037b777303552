/**
 * config: holdfast.yaml — its schema, a loader whose errors give file, line and field, and secret
 * references (file or environment variable) resolved only when used.
 */
export * from './schema.js';
export { loadConfig, parseConfig, type LoadedConfig, type ConfigProblem } from './load.js';
export { readSecret } from './secrets.js';
export { cronProblem } from './cron.js';
