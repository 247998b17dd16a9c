/**
 * Request-smuggling attempts, written as raw bytes (after the PortSwigger / RFC 9112 §6.1 and §6.3 catalogue
 * and http-proxy-3's smuggling suite). Each hides a second request, `GET /smuggled`, that a front end and a
 * back end disagreeing on the framing would let through. `PATH` is the request target to use.
 */
export interface SmugglingCase {
  name: string;
  bytes: string;
}

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
const start = (extra: string) => `POST /v1/chat/completions HTTP/1.1\r\nHost: sidecar\r\n${extra}`;

/** The attempts; every one must be refused (400) or forwarded with one unambiguous framing and no /smuggled. */
export const SMUGGLING_CASES: SmugglingCase[] = [
  { name: 'CL.TE: Content-Length and chunked together', bytes: start(`Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`) },
  { name: 'TE.CL: chunked first, Content-Length after', bytes: start(`Transfer-Encoding: chunked\r\nContent-Length: 100\r\n\r\n0\r\n\r\n${SMUGGLED}`) },
  { name: 'two different Content-Length values', bytes: start(`Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}${SMUGGLED}`) },
  { name: 'Content-Length list "2, 40"', bytes: start(`Content-Length: 2, 40\r\n\r\n{}${SMUGGLED}`) },
  { name: 'Content-Length with a plus sign', bytes: start(`Content-Length: +2\r\n\r\n{}${SMUGGLED}`) },
  { name: 'negative Content-Length', bytes: start(`Content-Length: -1\r\n\r\n{}${SMUGGLED}`) },
  { name: 'hex Content-Length', bytes: start(`Content-Length: 0x2\r\n\r\n{}${SMUGGLED}`) },
  { name: 'space before the colon (Transfer-Encoding : chunked)', bytes: start(`Transfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${SMUGGLED}`) },
  { name: 'obs-fold continuation of Transfer-Encoding', bytes: start(`Transfer-Encoding:\r\n chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${SMUGGLED}`) },
  { name: 'Transfer-Encoding: xchunked', bytes: start(`Transfer-Encoding: xchunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${SMUGGLED}`) },
  { name: 'Transfer-Encoding: chunked, identity', bytes: start(`Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${SMUGGLED}`) },
  { name: 'Transfer-Encoding: identity, then chunked', bytes: start(`Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${SMUGGLED}`) },
  { name: 'tab-prefixed Transfer-Encoding value with CL', bytes: start(`Transfer-Encoding:\tchunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${SMUGGLED}`) },
  { name: 'chunk size with a 0x prefix', bytes: start(`Transfer-Encoding: chunked\r\n\r\n0x2\r\n{}\r\n0\r\n\r\n${SMUGGLED}`) },
  { name: 'chunk size overflow (2^64 + 2)', bytes: start(`Transfer-Encoding: chunked\r\n\r\n10000000000000002\r\n{}\r\n0\r\n\r\n${SMUGGLED}`) },
  { name: 'bare LF inside the chunked framing', bytes: start(`Transfer-Encoding: chunked\r\n\r\n2\n{}\n0\n\n${SMUGGLED}`) },
  { name: 'chunk data longer than its size', bytes: start(`Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX\r\n0\r\n\r\n${SMUGGLED}`) },
  { name: 'bare LF in the request line and headers', bytes: `POST /v1/chat/completions HTTP/1.1\nHost: sidecar\nContent-Length: 2\n\n{}${SMUGGLED}` },
  { name: 'bare CR as a line ending', bytes: `POST /v1/chat/completions HTTP/1.1\rHost: sidecar\rContent-Length: 2\r\r{}${SMUGGLED}` },
  { name: 'NUL in a header value', bytes: start(`X-Test: a\u0000b\r\nContent-Length: 2\r\n\r\n{}${SMUGGLED}`) },
  { name: 'HTTP/1.0 with chunked', bytes: `POST /v1/chat/completions HTTP/1.0\r\nHost: sidecar\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${SMUGGLED}` },
  { name: 'absolute-form target to another host', bytes: `GET http://169.254.169.254/latest/meta-data HTTP/1.1\r\nHost: sidecar\r\n\r\n` },
  { name: 'space in the request target', bytes: `GET /v1/models HTTP/1.1 /smuggled HTTP/1.1\r\nHost: sidecar\r\n\r\n` },
];

/** The path every smuggled request uses: it must never reach the upstream. */
export const SMUGGLED_PATH = '/smuggled';
