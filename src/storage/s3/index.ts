/**
 * storage/s3: the repository in an S3 bucket. Terms: the *location* is the printable URL
 * (s3:https://host:port/bucket/prefix, never with credentials); the *store* translates BlobStore
 * calls into S3 requests; *object lock* is the bucket's WORM retention that `retainUntil` sets.
 */
export { parseS3Location, type S3Location, type LockMode, type AddressingStyle } from './url.js';
export { classifyS3Error, type S3Failure } from './errors.js';
export type { S3OpenOptions } from './s3-open.js';
