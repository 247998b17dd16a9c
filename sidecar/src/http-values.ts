import type { IncomingHttpHeaders } from 'node:http';

/** The path of a request target or URL, without its query string (which may carry keys, e.g. `?key=`). */
export function stripQuery(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

/** One header's value; for a repeated header (node gives an array), the first. */
export function readHeader(headers: IncomingHttpHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return Array.isArray(value) ? value[0] : value;
}
