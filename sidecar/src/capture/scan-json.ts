/**
 * Finds where each top-level member's value lies in a JSON object body, without building the object. The
 * recorder uses it to lift a request's prompt (`messages`, `input`, `prompt`) out as the bytes the client
 * sent: parsing a 1 MiB pasted document only to serialize it again cost milliseconds per call, and most of
 * tracing's CPU on small calls too. Strings are skipped with memchr (`indexOf` of `"`), so long prompts cost
 * little. It checks structure (quotes, brackets, separators), not every token: the caller parses the rest of
 * the body with JSON.parse, and a body LiteLLM would reject gets no further than its 400.
 */

/** Byte offsets of one value: `body.subarray(start, end)` is its JSON text. */
export interface ValueRange {
  start: number;
  end: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/** Offset just past the string whose opening quote is at `at`, or -1 when it never closes. */
function skipString(body: Buffer, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = body.indexOf(QUOTE, from);
    if (quote === -1) return -1;
    let backslashes = 0;
    while (body[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Offset just past the value starting at `at` (an object or array is skipped by bracket depth), or -1. */
function skipValue(body: Buffer, at: number): number {
  const first = body[at];
  if (first === QUOTE) return skipString(body, at);
  if (first === 0x7b || first === 0x5b) {
    // The closers expected, innermost last: `[1,2}` is not an array, whatever the depth count says.
    const closers: number[] = [];
    let i = at;
    while (i < body.length) {
      const byte = body[i] as number;
      if (byte === QUOTE) {
        i = skipString(body, i);
        if (i === -1) return -1;
        continue;
      }
      if (byte === 0x7b) closers.push(0x7d);
      else if (byte === 0x5b) closers.push(0x5d);
      else if (byte === 0x7d || byte === 0x5d) {
        if (closers.pop() !== byte) return -1;
        if (closers.length === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  // A number or a literal: up to the next separator.
  let i = at;
  while (i < body.length && body[i] !== 0x2c && body[i] !== 0x7d && body[i] !== 0x5d && !isSpace(body[i])) i++;
  return i > at ? i : -1;
}

/**
 * The value ranges of a JSON object's top-level members, by key; undefined when the body is not one JSON
 * object or names a key twice (JSON.parse keeps the last, and a caller that lifts one range out should not
 * have to know which).
 */
export function scanTopLevelMembers(body: Buffer): Map<string, ValueRange> | undefined {
  const members = new Map<string, ValueRange>();
  let i = 0;
  const skipSpaces = () => {
    while (isSpace(body[i])) i++;
  };
  skipSpaces();
  if (body[i] !== 0x7b) return undefined;
  i++;
  skipSpaces();
  if (body[i] === 0x7d) {
    i++;
  } else {
    for (;;) {
      skipSpaces();
      if (body[i] !== QUOTE) return undefined;
      const keyEnd = skipString(body, i);
      if (keyEnd === -1) return undefined;
      const rawKey = body.toString('utf8', i + 1, keyEnd - 1);
      let key = rawKey;
      if (rawKey.includes('\\')) {
        try {
          key = JSON.parse(`"${rawKey}"`) as string;
        } catch {
          return undefined;
        }
      }
      i = keyEnd;
      skipSpaces();
      if (body[i] !== 0x3a) return undefined;
      i++;
      skipSpaces();
      const start = i;
      const end = skipValue(body, start);
      if (end === -1 || members.has(key)) return undefined;
      members.set(key, { start, end });
      i = end;
      skipSpaces();
      if (body[i] === 0x2c) {
        i++;
        continue;
      }
      if (body[i] === 0x7d) {
        i++;
        break;
      }
      return undefined;
    }
  }
  skipSpaces();
  return i === body.length ? members : undefined;
}
