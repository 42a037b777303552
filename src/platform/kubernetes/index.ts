/**
 * platform/kubernetes: Holdfast's only door to a cluster. Terms: a *cache* is a watched local copy
 * of one resource type; an *API call* is one HTTP request (counted by CountingKubeConfig); a
 * *mounting container* is a container of a pod that mounts a PVC, the source of provenance.
 */
export * from './client.js';
export * from './errors.js';
export * from './cache.js';
export * from './pods.js';
export * from './events.js';
export * from './exec.js';
export * from './rollout.js';
export * from './services.js';
