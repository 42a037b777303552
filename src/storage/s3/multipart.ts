/**
 * Multipart upload of one blob, held in memory or read part by part from a staged file (packs are
 * ~16 MiB). The object appears only when
 * CompleteMultipartUpload succeeds, so a crash or a failed part leaves no partial blob; on failure
 * the upload is aborted so its parts do not linger (a bucket lifecycle rule for incomplete uploads
 * is still advisable for crashes, which cannot abort).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';

export interface MultipartTarget {
  Bucket: string;
  Key: string;
  ObjectLockMode?: 'COMPLIANCE' | 'GOVERNANCE';
  ObjectLockRetainUntilDate?: Date;
}

/** Byte ranges of the parts: all `partSize` long except the last. Pure, for tests. */
export function partRanges(size: number, partSize: number): Array<{ start: number; end: number }> {
  const out = [];
  for (let start = 0; start < size; start += partSize) out.push({ start, end: Math.min(size, start + partSize) });
  return out;
}

export async function putMultipart(
  client: S3Client,
  target: MultipartTarget,
  size: number,
  /** The bytes [start, end): each part is held in memory only while it is sent (and re-sent by the SDK's retries). */
  part: (start: number, end: number) => Promise<Uint8Array>,
  partSize: number,
  concurrency: number,
): Promise<void> {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ ...target }));
  if (!UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
  const { Bucket, Key } = target;
  try {
    const ranges = partRanges(size, partSize);
    const parts: CompletedPart[] = new Array(ranges.length);
    let next = 0;
    const worker = async () => {
      while (next < ranges.length) {
        const i = next++;
        const { start, end } = ranges[i]!;
        const Body = await part(start, end);
        const res = await client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body, ContentLength: end - start }));
        parts[i] = { PartNumber: i + 1, ETag: res.ETag };
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, ranges.length)) }, worker));
    await client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (e) {
    // The failure that got us here may well hit the abort too: try it a few times, then leave the
    // parts to the bucket's lifecycle rule. The original error is what the caller needs to see.
    for (let i = 0; i < 3; i++) {
      const aborted = await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).then(
        () => true,
        (a: { name?: string }) => a.name === 'NoSuchUpload',
      );
      if (aborted) break;
    }
    throw e;
  }
}
