import { constants, brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/**
 * Decompresses a captured response body for the trace only; the client got the compressed bytes as sent.
 * The output is capped at `maxBytes` (a gzip bomb costs at most the cap), and a capture that was itself
 * cut short still yields what its complete blocks hold (finishFlush: SYNC_FLUSH).
 */
export function decodeCapturedBody(body: Buffer, contentEncoding: string | undefined, maxBytes: number): { body: Buffer; truncated: boolean } | undefined {
  const encoding = contentEncoding?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') return { body, truncated: false };
  const limit = Math.max(1, maxBytes);
  try {
    let decoded: Buffer;
    if (encoding === 'gzip' || encoding === 'x-gzip') {
      decoded = gunzipSync(body, { maxOutputLength: limit, finishFlush: constants.Z_SYNC_FLUSH });
    } else if (encoding === 'deflate') {
      decoded = inflateSync(body, { maxOutputLength: limit, finishFlush: constants.Z_SYNC_FLUSH });
    } else if (encoding === 'br') {
      decoded = brotliDecompressSync(body, { maxOutputLength: limit, finishFlush: constants.BROTLI_OPERATION_FLUSH });
    } else {
      return undefined;
    }
    return { body: decoded, truncated: decoded.length >= limit };
  } catch (error) {
    // RangeError: the output passed the cap. Anything else: a corrupt or cut stream; trace without a body.
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { body: Buffer.alloc(0), truncated: true };
    return undefined;
  }
}
