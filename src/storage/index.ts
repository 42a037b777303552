/** storage: blob stores a repository lives in (filesystem, S3) and wrappers around them. */
export * from './blob-store.js';
export { FsBlobStore } from './fs/fs-store.js';
export { openBlobStore } from './open.js';
export { RetryingBlobStore, type RetryOptions } from './retry.js';
export { LimitedBlobStore } from './limit.js';
// Registers `s3:` locations; the AWS SDK itself loads only when one is opened.
import './s3/register.js';
