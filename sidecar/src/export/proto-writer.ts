/**
 * The few protobuf wire-format primitives the OTLP encoder needs (protobuf encoding spec: varints, fixed64,
 * length-delimited fields), writing into one growable Buffer. Strings go in as raw UTF-8 with a native
 * write: no intermediate copy, and no second escaping as OTLP/JSON string values need.
 */

/** A growable output buffer and the write position. */
export interface ProtoWriter {
  buf: Buffer;
  pos: number;
}

/** Creates a writer with `capacity` bytes to start with. */
export function createProtoWriter(capacity: number): ProtoWriter {
  return { buf: Buffer.allocUnsafe(capacity), pos: 0 };
}

/** Makes room for `bytes` more bytes, at least doubling, so appends stay amortized O(1). */
export function ensureRoom(writer: ProtoWriter, bytes: number): void {
  const needed = writer.pos + bytes;
  if (needed <= writer.buf.length) return;
  const grown = Buffer.allocUnsafe(Math.max(needed, writer.buf.length * 2));
  writer.buf.copy(grown, 0, 0, writer.pos);
  writer.buf = grown;
}

/** Bytes a non-negative varint below 2^53 takes. */
export function sizeOfVarint(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Writes a non-negative varint below 2^53 (lengths, tags, enum and integer values); the caller ensured room. */
export function writeVarint(writer: ProtoWriter, value: number): void {
  const buf = writer.buf;
  let pos = writer.pos;
  while (value >= 128) {
    buf[pos++] = (value % 128) | 128;
    value = Math.floor(value / 128);
  }
  buf[pos++] = value;
  writer.pos = pos;
}

/** A negative int64 as protobuf writes it: ten bytes of two's complement. */
export function writeNegativeVarint(writer: ProtoWriter, value: number): void {
  let rest = BigInt.asUintN(64, BigInt(value));
  for (let i = 0; i < 9; i++) {
    writer.buf[writer.pos++] = Number(rest & 127n) | 128;
    rest >>= 7n;
  }
  writer.buf[writer.pos++] = Number(rest);
}

/** UTF-8 length of a string: a JS loop for short ones (cheaper than a native call), Buffer.byteLength otherwise. */
export function utf8Length(text: string): number {
  const length = text.length;
  if (length > 64) return Buffer.byteLength(text, 'utf8');
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < length) {
      const next = text.charCodeAt(i + 1);
      // A surrogate pair is one 4-byte character; a lone surrogate is written as U+FFFD (3 bytes), as Buffer does.
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2;
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

/** Writes `text` as UTF-8 whose length the caller measured with utf8Length (room ensured). */
export function writeUtf8(writer: ProtoWriter, text: string, bytes: number): void {
  if (bytes === text.length && bytes <= 64) {
    // Short ASCII (ids, keys, enum-like values): a loop beats the native call's fixed cost.
    const buf = writer.buf;
    let pos = writer.pos;
    for (let i = 0; i < bytes; i++) buf[pos++] = text.charCodeAt(i);
    writer.pos = pos;
    return;
  }
  writer.pos += writer.buf.write(text, writer.pos, bytes, 'utf8');
}

/** Writes hex text (trace and span ids) as raw bytes. */
export function writeHex(writer: ProtoWriter, hex: string, bytes: number): void {
  writer.pos += writer.buf.write(hex, writer.pos, bytes, 'hex');
}

/** Writes epoch milliseconds (with fraction) as fixed64 nanoseconds, exactly (the product passes 2^53). */
export function writeUnixNanos(writer: ProtoWriter, ms: number): void {
  const whole = Math.floor(ms);
  const nanos = Math.min(999_999, Math.round((ms - whole) * 1e6));
  writer.buf.writeBigUInt64LE(BigInt(whole) * 1_000_000n + BigInt(nanos), writer.pos);
  writer.pos += 8;
}

/** Writes a double as fixed64 (IEEE 754, little-endian). */
export function writeDouble(writer: ProtoWriter, value: number): void {
  writer.buf.writeDoubleLE(value, writer.pos);
  writer.pos += 8;
}

/** A standalone length-delimited field (tag, length, content), for the parts encoded once and copied after. */
export function encodeLengthDelimited(tag: number, content: Buffer): Buffer {
  const writer = createProtoWriter(1 + sizeOfVarint(content.length) + content.length);
  writer.buf[writer.pos++] = tag;
  writeVarint(writer, content.length);
  content.copy(writer.buf, writer.pos);
  return writer.buf;
}

/** A standalone string field, UTF-8 encoded. */
export function encodeStringField(tag: number, text: string): Buffer {
  return encodeLengthDelimited(tag, Buffer.from(text, 'utf8'));
}
