/**
 * Reads a captured multipart/form-data body (RFC 7578) into its fields, for the trace of an audio transcription or
 * an image edit: text fields as text, and each file as what a reviewer needs, its name, type and size, never its
 * bytes. A body cut by the capture cap still yields the fields before the cut; a file cut short is marked so.
 */

/** A file part as recorded. */
export interface MultipartFile {
  filename: string;
  contentType?: string;
  bytes: number;
  /** The capture cap cut this file: it is at least `bytes` long. */
  truncated?: true;
}

// Form fields are parameters and prompts; anything longer is not worth its place in a trace.
const MAX_FIELD_CHARS = 16 * 1024;

/** The boundary of a multipart content type, or undefined. */
function readBoundary(contentType: string): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** `name` and `filename` of a part's Content-Disposition, and its Content-Type. */
function readPartHeaders(head: string): { name?: string; filename?: string; contentType?: string } {
  const disposition = /^content-disposition:(.*)$/im.exec(head)?.[1] ?? '';
  const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
  const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
  const contentType = /^content-type:\s*(.*?)\s*$/im.exec(head)?.[1];
  return { name, filename, contentType };
}

function addField(fields: Record<string, unknown>, name: string, value: unknown): void {
  const existing = fields[name];
  if (existing === undefined) fields[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else fields[name] = [existing, value];
}

/** The form's fields, or undefined when the body is not multipart/form-data with a boundary. Never throws. */
export function parseMultipartFields(body: Buffer, contentType: string | undefined, truncated: boolean): Record<string, unknown> | undefined {
  if (!contentType?.toLowerCase().startsWith('multipart/form-data')) return undefined;
  const boundary = readBoundary(contentType);
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: Record<string, unknown> = {};
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const headStart = body.indexOf('\r\n', at + delimiter.length);
    if (headStart === -1 || body[at + delimiter.length] === 0x2d) break; // `--boundary--` closes the form
    const headEnd = body.indexOf('\r\n\r\n', headStart);
    if (headEnd === -1) break;
    const { name, filename, contentType: partType } = readPartHeaders(body.toString('latin1', headStart + 2, headEnd));
    const dataStart = headEnd + 4;
    const next = body.indexOf(delimiter, dataStart);
    // The data ends before the CRLF that precedes the next delimiter; without one, at the end of what was captured.
    const dataEnd = next === -1 ? body.length : Math.max(dataStart, next - 2);
    if (name !== undefined) {
      if (filename !== undefined) {
        const file: MultipartFile = { filename, bytes: dataEnd - dataStart };
        if (partType) file.contentType = partType;
        if (next === -1 && truncated) file.truncated = true;
        addField(fields, name, file);
      } else {
        const text = body.toString('utf8', dataStart, dataEnd);
        addField(fields, name, text.length > MAX_FIELD_CHARS ? `${text.slice(0, MAX_FIELD_CHARS)}…` : text);
      }
    }
    at = next;
  }
  return fields;
}
