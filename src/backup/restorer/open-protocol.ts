/** Messages between the restorer and its blob-opening workers. */
export type OpenRequest =
  | { kind: 'init'; encKey: Uint8Array; idKey: Uint8Array }
  | { kind: 'open'; job: number; id: string; pack: string; sealed: ArrayBuffer };

export type OpenReply = { job: number; plain: ArrayBuffer; error?: undefined } | { job: number; plain?: undefined; error: { code: string; message: string } };
