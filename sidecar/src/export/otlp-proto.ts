import type { AttributeValue, SpanRecord } from './span-record';
import {
  createProtoWriter,
  encodeStringField,
  ensureRoom,
  sizeOfVarint,
  utf8Length,
  writeDouble,
  writeHex,
  writeNegativeVarint,
  writeUnixNanos,
  writeUtf8,
  writeVarint,
  type ProtoWriter,
} from './proto-writer';

/**
 * Encodes spans as an OTLP/HTTP protobuf ExportTraceServiceRequest (opentelemetry-proto
 * collector/trace/v1, trace/v1, common/v1), the OTLP default encoding, which Langfuse's
 * /api/public/otel/v1/traces accepts as `application/x-protobuf`. Each span is written straight
 * into its batch's buffer as it is recorded: string values go in as raw UTF-8 (OTLP/JSON would escape
 * the JSON-serialized input and output a second time), and sending needs no join, flatten or re-encode.
 * Sizes are measured before writing, so every length prefix is exact and nothing is moved afterwards.
 */

// Tags: field number << 3 | wire type (0 varint, 1 fixed64, 2 length-delimited).
const SCOPE_SPANS_SPANS = 0x12;
const SPAN_TRACE_ID = 0x0a;
const SPAN_SPAN_ID = 0x12;
const SPAN_TRACE_STATE = 0x1a;
const SPAN_PARENT_SPAN_ID = 0x22;
const SPAN_NAME = 0x2a;
const SPAN_KIND = 0x30;
const SPAN_START = 0x39;
const SPAN_END = 0x41;
const SPAN_ATTRIBUTES = 0x4a;
const SPAN_STATUS = 0x7a;
const STATUS_MESSAGE = 0x12;
const STATUS_CODE = 0x18;
const KEY_VALUE_KEY = 0x0a;
const KEY_VALUE_VALUE = 0x12;
const ANY_STRING = 0x0a;
const ANY_BOOL = 0x10;
const ANY_INT = 0x18;
const ANY_DOUBLE = 0x21;
const ANY_ARRAY = 0x2a;
const ARRAY_VALUES = 0x0a;

// SPAN_KIND_INTERNAL, as the Langfuse SDK's spans are; STATUS_CODE_ERROR.
const KIND_INTERNAL = 1;
const STATUS_ERROR = 2;

/** Bytes of a length-delimited field: tag, length varint, content. */
export const lengthField = (length: number): number => 1 + sizeOfVarint(length) + length;

// Attribute keys repeat on every span: encode each `key` field (tag, length, UTF-8) once. Bounded, since
// keys come from the code plus client-chosen trace metadata keys; past the bound, encode without caching.
const keyFields = new Map<string, Buffer>();
const MAX_CACHED_KEYS = 4096;

function readKeyField(key: string): Buffer {
  let field = keyFields.get(key);
  if (field === undefined) {
    field = encodeStringField(KEY_VALUE_KEY, key);
    if (keyFields.size < MAX_CACHED_KEYS) keyFields.set(key, field);
  }
  return field;
}

const isVarintInteger = (value: number): boolean => Number.isSafeInteger(value);

/** Size of the AnyValue message for one value; string byte lengths are pushed to `lengths` for the write pass. */
function measureValue(value: AttributeValue, lengths: number[]): number {
  if (typeof value === 'string') {
    const bytes = utf8Length(value);
    lengths.push(bytes);
    return lengthField(bytes);
  }
  if (typeof value === 'boolean') return 2;
  if (typeof value === 'number') {
    if (!isVarintInteger(value)) return 9;
    return 1 + (value < 0 ? 10 : sizeOfVarint(value));
  }
  if (Buffer.isBuffer(value)) return lengthField(value.length);
  // An array's content length goes first, then its items' byte lengths.
  const at = lengths.length;
  lengths.push(0);
  let content = 0;
  for (const item of value) {
    const bytes = utf8Length(item);
    lengths.push(bytes);
    content += lengthField(lengthField(bytes));
  }
  lengths[at] = content;
  return lengthField(content);
}

function writeValue(writer: ProtoWriter, value: AttributeValue, lengths: number[], cursor: { at: number }): void {
  if (typeof value === 'string') {
    const bytes = lengths[cursor.at++] as number;
    writer.buf[writer.pos++] = ANY_STRING;
    writeVarint(writer, bytes);
    writeUtf8(writer, value, bytes);
  } else if (typeof value === 'boolean') {
    writer.buf[writer.pos++] = ANY_BOOL;
    writer.buf[writer.pos++] = value ? 1 : 0;
  } else if (typeof value === 'number') {
    if (!isVarintInteger(value)) {
      writer.buf[writer.pos++] = ANY_DOUBLE;
      writeDouble(writer, Number.isFinite(value) ? value : 0);
    } else {
      writer.buf[writer.pos++] = ANY_INT;
      if (value < 0) writeNegativeVarint(writer, value);
      else writeVarint(writer, value);
    }
  } else if (Buffer.isBuffer(value)) {
    writer.buf[writer.pos++] = ANY_STRING;
    writeVarint(writer, value.length);
    value.copy(writer.buf, writer.pos);
    writer.pos += value.length;
  } else {
    writer.buf[writer.pos++] = ANY_ARRAY;
    writeVarint(writer, lengths[cursor.at++] as number);
    for (const item of value) {
      const bytes = lengths[cursor.at++] as number;
      writer.buf[writer.pos++] = ARRAY_VALUES;
      writeVarint(writer, lengthField(bytes));
      writer.buf[writer.pos++] = ANY_STRING;
      writeVarint(writer, bytes);
      writeUtf8(writer, item, bytes);
    }
  }
}

/** Measures a set of attributes as repeated KeyValue fields: total bytes, with per-value sizes kept for the write. */
function measureAttributes(attributes: Record<string, AttributeValue>, valueSizes: number[], lengths: number[]): number {
  let total = 0;
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined) continue;
    const valueSize = measureValue(value, lengths);
    valueSizes.push(valueSize);
    total += lengthField(readKeyField(key).length + lengthField(valueSize));
  }
  return total;
}

function writeAttributes(writer: ProtoWriter, tag: number, attributes: Record<string, AttributeValue>, valueSizes: number[], lengths: number[]): void {
  const cursor = { at: 0 };
  let index = 0;
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined) continue;
    const keyField = readKeyField(key);
    const valueSize = valueSizes[index++] as number;
    writer.buf[writer.pos++] = tag;
    writeVarint(writer, keyField.length + lengthField(valueSize));
    // TypedArray#set, not Buffer#copy: for a few dozen bytes the native binding's fixed cost dominates.
    writer.buf.set(keyField, writer.pos);
    writer.pos += keyField.length;
    writer.buf[writer.pos++] = KEY_VALUE_VALUE;
    writeVarint(writer, valueSize);
    writeValue(writer, value, lengths, cursor);
  }
}

// Scratch arrays reused span after span: encoding is synchronous, so one pair serves every call.
const scratchValueSizes: number[] = [];
const scratchLengths: number[] = [];

/** Appends one span to a batch, as a ScopeSpans `spans` field. On a throw, the writer is left as it was. */
export function appendSpan(writer: ProtoWriter, span: SpanRecord): void {
  scratchValueSizes.length = 0;
  scratchLengths.length = 0;
  const nameBytes = utf8Length(span.name);
  const messageBytes = span.error === undefined ? 0 : utf8Length(span.error);
  const statusSize = span.error === undefined ? 0 : lengthField(messageBytes) + 2;
  const attributesSize = measureAttributes(span.attributes, scratchValueSizes, scratchLengths);
  const parentSize = span.parentSpanId === undefined ? 0 : 10;
  const traceStateBytes = span.traceState === undefined ? 0 : utf8Length(span.traceState);
  const traceStateSize = span.traceState === undefined ? 0 : lengthField(traceStateBytes);
  const spanSize = 18 + 10 + parentSize + traceStateSize + lengthField(nameBytes) + 2 + 9 + 9 + attributesSize + lengthField(statusSize);
  ensureRoom(writer, lengthField(spanSize));
  const start = writer.pos;
  const buf = writer.buf;
  buf[writer.pos++] = SCOPE_SPANS_SPANS;
  writeVarint(writer, spanSize);
  buf[writer.pos++] = SPAN_TRACE_ID;
  buf[writer.pos++] = 16;
  writeHex(writer, span.traceId, 16);
  buf[writer.pos++] = SPAN_SPAN_ID;
  buf[writer.pos++] = 8;
  writeHex(writer, span.spanId, 8);
  if (span.parentSpanId !== undefined) {
    buf[writer.pos++] = SPAN_PARENT_SPAN_ID;
    buf[writer.pos++] = 8;
    writeHex(writer, span.parentSpanId, 8);
  }
  if (writer.pos !== start + 1 + sizeOfVarint(spanSize) + 28 + parentSize) {
    writer.pos = start;
    throw new Error(`invalid trace, span or parent span id: ${span.traceId}/${span.spanId}/${span.parentSpanId ?? ''}`);
  }
  if (span.traceState !== undefined) {
    buf[writer.pos++] = SPAN_TRACE_STATE;
    writeVarint(writer, traceStateBytes);
    writeUtf8(writer, span.traceState, traceStateBytes);
  }
  buf[writer.pos++] = SPAN_NAME;
  writeVarint(writer, nameBytes);
  writeUtf8(writer, span.name, nameBytes);
  buf[writer.pos++] = SPAN_KIND;
  buf[writer.pos++] = KIND_INTERNAL;
  buf[writer.pos++] = SPAN_START;
  writeUnixNanos(writer, span.startMs);
  buf[writer.pos++] = SPAN_END;
  writeUnixNanos(writer, span.endMs);
  writeAttributes(writer, SPAN_ATTRIBUTES, span.attributes, scratchValueSizes, scratchLengths);
  // An unset status is still sent, empty, as the OpenTelemetry exporters do.
  buf[writer.pos++] = SPAN_STATUS;
  writeVarint(writer, statusSize);
  if (span.error !== undefined) {
    buf[writer.pos++] = STATUS_MESSAGE;
    writeVarint(writer, messageBytes);
    writeUtf8(writer, span.error, messageBytes);
    buf[writer.pos++] = STATUS_CODE;
    buf[writer.pos++] = STATUS_ERROR;
  }
}

/** A set of attributes as repeated KeyValue fields under `tag` (for the resource and the scope). */
export function encodeAttributesBlock(tag: number, attributes: Record<string, AttributeValue>): Buffer {
  const valueSizes: number[] = [];
  const lengths: number[] = [];
  const size = measureAttributes(attributes, valueSizes, lengths);
  const writer = createProtoWriter(size);
  writeAttributes(writer, tag, attributes, valueSizes, lengths);
  return writer.buf;
}
