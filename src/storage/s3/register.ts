/**
 * Registers the `s3:` scheme with openBlobStore. The opener imports the AWS SDK lazily, so a
 * filesystem repository never pays for loading it. Imported for its effect by ../index.ts.
 */
import { registerScheme } from '../open.js';
import type { S3OpenOptions } from './s3-open.js';

registerScheme('s3', async (url, options) => (await import('./s3-open.js')).openS3BlobStore(url, options as S3OpenOptions));
