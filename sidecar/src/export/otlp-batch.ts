import { LANGFUSE_SDK_VERSION, LANGFUSE_TRACER_NAME } from './langfuse-attributes';
import { encodeAttributesBlock, lengthField } from './otlp-proto';
import { createProtoWriter, encodeLengthDelimited, encodeStringField, sizeOfVarint, writeVarint, type ProtoWriter } from './proto-writer';

/**
 * Frames encoded spans as one OTLP ExportTraceServiceRequest: resource, then the Langfuse SDK's scope, then
 * the spans (otlp-proto.ts appends them). The frame's lengths depend on the spans, so a batch keeps room in
 * front of them and the frame is written there once the batch is full: no copy of the spans.
 */

// Tags: field number << 3 | wire type 2 (length-delimited), opentelemetry-proto trace/v1 and common/v1.
const REQUEST_RESOURCE_SPANS = 0x0a;
const RESOURCE_SPANS_RESOURCE = 0x0a;
const RESOURCE_SPANS_SCOPE_SPANS = 0x12;
const RESOURCE_ATTRIBUTES = 0x0a;
const SCOPE_SPANS_SCOPE = 0x0a;
const SCOPE_NAME = 0x0a;
const SCOPE_VERSION = 0x12;
const SCOPE_ATTRIBUTES = 0x1a;

/** Options for the resource and scope that frame every batch. */
export interface OtlpFrameOptions {
  serviceName: string;
  /** The sidecar's version, announced as the telemetry SDK's. */
  sdkVersion: string;
  publicKey: string;
}

/** Builds batches: a writer with room for the frame, spans appended to it, and the finished request body. */
export interface OtlpBatchEncoder {
  createBatch: () => ProtoWriter;
  /** The ExportTraceServiceRequest bytes: the frame written in front of the spans, no copy of them. */
  finishBatch: (writer: ProtoWriter) => Buffer;
  /** Hands a batch's buffer back once its request is answered, for the next batch to reuse. */
  releaseBatch: (writer: ProtoWriter) => void;
}

// Buffers kept for reuse: a steady stream of batches then writes into memory that is already mapped, instead
// of growing a fresh buffer (page faults and copies) every time. Bounded in number and in size.
const MAX_POOLED_BUFFERS = 4;
const MAX_POOLED_BYTES = 8 * 1024 * 1024;

/**
 * Creates the batch encoder. The scope is the Langfuse SDK's own (`langfuse-sdk`, with the project's
 * public key) so Langfuse reads the spans exactly as it reads @langfuse/otel's exports.
 */
export function createOtlpBatchEncoder(options: OtlpFrameOptions, initialCapacity = 256 * 1024): OtlpBatchEncoder {
  const resource = encodeLengthDelimited(
    RESOURCE_SPANS_RESOURCE,
    encodeAttributesBlock(RESOURCE_ATTRIBUTES, {
      // No `service.version`: Langfuse takes it as the version of every trace and observation that has no
      // `langfuse.version` (OtelIngestionProcessor), which would stamp the sidecar's own version on the client's
      // traces. The sidecar is the telemetry SDK here, so its version goes where OTel puts an SDK's.
      'service.name': options.serviceName,
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'litellm-langfuse-sidecar',
      'telemetry.sdk.version': options.sdkVersion,
    }),
  );
  const scope = encodeLengthDelimited(
    SCOPE_SPANS_SCOPE,
    Buffer.concat([
      encodeStringField(SCOPE_NAME, LANGFUSE_TRACER_NAME),
      encodeStringField(SCOPE_VERSION, LANGFUSE_SDK_VERSION),
      encodeAttributesBlock(SCOPE_ATTRIBUTES, { public_key: options.publicKey }),
    ]),
  );
  // Room for the two frame tags and their lengths (5-byte varints cover 4 GiB) ahead of the spans.
  const frameRoom = 1 + 5 + resource.length + 1 + 5 + scope.length;
  const pool: Buffer[] = [];
  return {
    createBatch: () => {
      const pooled = pool.pop();
      const writer = pooled ? { buf: pooled, pos: 0 } : createProtoWriter(Math.max(initialCapacity, frameRoom * 2));
      writer.pos = frameRoom;
      return writer;
    },
    releaseBatch: (writer) => {
      if (pool.length < MAX_POOLED_BUFFERS && writer.buf.length <= MAX_POOLED_BYTES) pool.push(writer.buf);
    },
    finishBatch: (writer) => {
      const spansBytes = writer.pos - frameRoom;
      const scopeSpansSize = scope.length + spansBytes;
      const resourceSpansSize = resource.length + lengthField(scopeSpansSize);
      const frameBytes = 1 + sizeOfVarint(resourceSpansSize) + resource.length + 1 + sizeOfVarint(scopeSpansSize) + scope.length;
      const start = frameRoom - frameBytes;
      const frame: ProtoWriter = { buf: writer.buf, pos: start };
      writer.buf[frame.pos++] = REQUEST_RESOURCE_SPANS;
      writeVarint(frame, resourceSpansSize);
      resource.copy(writer.buf, frame.pos);
      frame.pos += resource.length;
      writer.buf[frame.pos++] = RESOURCE_SPANS_SCOPE_SPANS;
      writeVarint(frame, scopeSpansSize);
      scope.copy(writer.buf, frame.pos);
      return writer.buf.subarray(start, writer.pos);
    },
  };
}
