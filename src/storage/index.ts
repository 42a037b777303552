/** storage: blob stores a repository lives in (filesystem, S3) and wrappers around them. */
export * from './blob-store.js';
export { FsBlobStore } from './fs/fs-store.js';
export { openBlobStore } from './open.js';
