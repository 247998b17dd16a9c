/**
 * A tee of one body direction, capped: it keeps references to the chunks that pass (no copy)
 * until `maxBytes`, then only counts. The forwarded bytes are never touched (STYLE.md habit 3).
 */
export interface BodyCapture {
  readonly maxBytes: number;
  chunks: Buffer[];
  /** Bytes kept in `chunks`. */
  capturedBytes: number;
  /** Bytes that went past, kept or not. */
  totalBytes: number;
  truncated: boolean;
  /** For timed captures: captured byte offset at the end of each chunk, and its arrival time (epoch ms). */
  chunkEnds?: number[];
  chunkTimes?: number[];
}

/** Creates an empty capture; `timed` also records when each chunk arrived (for time to first token). */
export function createBodyCapture(maxBytes: number, timed = false): BodyCapture {
  const capture: BodyCapture = { maxBytes, chunks: [], capturedBytes: 0, totalBytes: 0, truncated: false };
  if (timed) {
    capture.chunkEnds = [];
    capture.chunkTimes = [];
  }
  return capture;
}

/** Starts recording arrival times (from the response head on, once it says the body is an event stream). */
export function startTiming(capture: BodyCapture): void {
  capture.chunkEnds ??= [];
  capture.chunkTimes ??= [];
}

/** Records one chunk that is being forwarded. O(1), no copy; a chunk straddling the cap is kept as a view. */
export function captureChunk(capture: BodyCapture, chunk: Buffer, nowMs?: number): void {
  capture.totalBytes += chunk.length;
  if (capture.truncated) return;
  const room = capture.maxBytes - capture.capturedBytes;
  if (chunk.length > room) {
    capture.truncated = true;
    if (room <= 0) return;
    chunk = chunk.subarray(0, room);
  }
  capture.chunks.push(chunk);
  capture.capturedBytes += chunk.length;
  if (capture.chunkEnds && capture.chunkTimes && nowMs !== undefined) {
    capture.chunkEnds.push(capture.capturedBytes);
    capture.chunkTimes.push(nowMs);
  }
}

/** The captured bytes as one buffer (a copy only when there was more than one chunk). */
export function readCapturedBody(capture: BodyCapture): Buffer {
  if (capture.chunks.length === 1) return capture.chunks[0] as Buffer;
  return Buffer.concat(capture.chunks, capture.capturedBytes);
}

/** Arrival time of the chunk that completed byte offset `offset`, for mapping an SSE event to when it reached the sidecar. */
export function findArrivalTime(capture: BodyCapture, offset: number): number | undefined {
  const ends = capture.chunkEnds;
  const times = capture.chunkTimes;
  if (!ends || !times || ends.length === 0) return undefined;
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ends[mid] as number) >= offset) hi = mid;
    else lo = mid + 1;
  }
  return (ends[lo] as number) >= offset ? times[lo] : undefined;
}
