/**
 * Did a file change while the archiver read it? A live volume's files are written while a backup
 * reads them: a log grows, a database truncates a segment. Such a file is stored exactly as read
 * (its size is the bytes actually read, never what `lstat` said before), with a warning, and the
 * next backup must read it again rather than trust metadata that predates the change.
 *
 * `before` is the `lstat` the walk made, `after` an `fstat` of the open file once it was read to
 * EOF. Any difference means the content read is not the content `before` describes; a different
 * inode means the path was replaced by another file between the stat and the open.
 */

export interface FileStamp {
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
}

export function changedWhileRead(before: FileStamp, after: FileStamp, bytesRead: number): boolean {
  return (
    before.ino !== after.ino ||
    before.mtimeNs !== after.mtimeNs ||
    before.ctimeNs !== after.ctimeNs ||
    before.size !== after.size ||
    BigInt(bytesRead) !== after.size
  );
}
