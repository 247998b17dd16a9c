import { applyOpenAiEnvelope } from './envelope';
import type { RequestFacts, ResponseFacts, SseEvent } from './types';
import { mapOpenAiUsage } from './usage';
import { asArray, asNonEmptyString, asNumber, asObject, parseJson, pickModelParameters, type JsonObject } from './values';

/*
 * Images and audio, as LiteLLM's /v1/images/{generations,edits} and /v1/audio/{speech,transcriptions} answer them
 * (OpenAI's API shapes, which LiteLLM returns for every provider). The prompt and parameters are the input; the
 * output is what a reviewer needs to see, never the bulky payload: image data and audio bytes are summarised.
 */

/** Request members recorded as model parameters, per family (scalars as sent, numbers from forms as text). */
const IMAGE_PARAMETERS = ['size', 'quality', 'n', 'style', 'response_format', 'background', 'output_format', 'output_compression', 'moderation'];
const SPEECH_PARAMETERS = ['voice', 'response_format', 'speed', 'instructions'];
const TRANSCRIPTION_PARAMETERS = ['language', 'response_format', 'temperature', 'timestamp_granularities', 'timestamp_granularities[]'];

/** An image generation or edit: the prompt, with the input images (file summaries, from the form) for an edit. */
export function interpretImageRequest(body: JsonObject): RequestFacts {
  const facts: RequestFacts = { modelParameters: pickModelParameters(body, IMAGE_PARAMETERS), stream: body.stream === true || body.stream === 'true' };
  const images = body.image ?? body['image[]'];
  facts.input = images === undefined && body.mask === undefined ? body.prompt : { prompt: body.prompt, image: images, mask: body.mask };
  return facts;
}

/** Bytes and format of base64 image data, from its length and magic bytes: the data itself stays out of the trace. */
function summarizeBase64Image(data: string, declaredFormat: string | undefined): { bytes: number; format?: string } {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  const bytes = Math.max(0, Math.floor((data.length * 3) / 4) - padding);
  const head = Buffer.from(data.slice(0, 16), 'base64');
  let format = declaredFormat;
  if (head[0] === 0x89 && head[1] === 0x50) format = 'png';
  else if (head[0] === 0xff && head[1] === 0xd8) format = 'jpeg';
  else if (head.toString('latin1', 8, 12) === 'WEBP') format = 'webp';
  return format === undefined ? { bytes } : { bytes, format };
}

/** An images response: how many, their URLs or a summary of their data, revised prompts, size and quality. */
export function interpretImagesJson(body: JsonObject): ResponseFacts {
  const facts: ResponseFacts = {};
  applyOpenAiEnvelope(facts, body);
  const data = asArray(body.data);
  if (data === undefined) return facts;
  const declaredFormat = asNonEmptyString(body.output_format);
  const images = data.map((item) => {
    const image = asObject(item) ?? {};
    const summary: JsonObject = {};
    if (typeof image.url === 'string') summary.url = image.url;
    if (typeof image.b64_json === 'string') summary.b64_json = summarizeBase64Image(image.b64_json, declaredFormat);
    if (typeof image.revised_prompt === 'string') summary.revised_prompt = image.revised_prompt;
    return summary;
  });
  const output: JsonObject = { images: images.length, data: images };
  for (const key of ['size', 'quality', 'background', 'output_format']) if (body[key] !== undefined) output[key] = body[key];
  facts.output = output;
  return facts;
}

/** Text to speech: the text is the input, the voice and format parameters; the audio comes back as bytes. */
export function interpretSpeechRequest(body: JsonObject): RequestFacts {
  return { modelParameters: pickModelParameters(body, SPEECH_PARAMETERS), stream: false, input: body.input };
}

/** A transcription: the file (name, type, size: from the form, never the audio), the prompt, and the parameters. */
export function interpretTranscriptionRequest(body: JsonObject): RequestFacts {
  const input: JsonObject = { file: body.file };
  if (body.prompt !== undefined) input.prompt = body.prompt;
  return { modelParameters: pickModelParameters(body, TRANSCRIPTION_PARAMETERS), stream: body.stream === true || body.stream === 'true', input };
}

/**
 * A JSON or verbose JSON transcription: the text is the output (with the segments' count and the language when
 * verbose); usage is tokens, or the audio's seconds (OpenAI's `{type: "duration", seconds}`), kept as `seconds`.
 */
export function interpretTranscriptionJson(body: JsonObject): ResponseFacts {
  const facts: ResponseFacts = {};
  applyOpenAiEnvelope(facts, body);
  if (typeof body.text === 'string') {
    const segments = asArray(body.segments);
    facts.output = segments === undefined && body.language === undefined ? body.text : { text: body.text, language: body.language, duration: body.duration, segments: segments?.length };
  }
  const usage = asObject(body.usage);
  const seconds = asNumber(usage?.seconds) ?? asNumber(body.duration);
  const tokens = mapOpenAiUsage(usage);
  if (tokens !== undefined) facts.usage = tokens;
  else if (seconds !== undefined) facts.usage = { seconds };
  return facts;
}

/**
 * Streamed images (`stream: true`, OpenAI's `image_generation.partial_image` / `.completed` events) and streamed
 * transcriptions (`transcript.text.delta` / `.done`): the same output as the JSON forms, images still summarised.
 */
export function interpretMediaStream(events: SseEvent[]): ResponseFacts {
  const facts: ResponseFacts = {};
  let text = '';
  let partials = 0;
  for (const event of events) {
    const obj = asObject(parseJson(event.data));
    if (obj === undefined) continue;
    applyOpenAiEnvelope(facts, obj);
    const type = obj.type;
    if (type === 'transcript.text.delta' && typeof obj.delta === 'string') {
      if (text === '') facts.firstContentOffset = event.endOffset;
      text += obj.delta;
    } else if (type === 'transcript.text.done' && typeof obj.text === 'string') {
      text = obj.text;
    } else if (type === 'image_generation.partial_image') {
      partials++;
      facts.firstContentOffset ??= event.endOffset;
    } else if (type === 'image_generation.completed' && typeof obj.b64_json === 'string') {
      facts.output = { images: 1, partial_images: partials, data: [{ b64_json: summarizeBase64Image(obj.b64_json, asNonEmptyString(obj.output_format)) }], size: obj.size, quality: obj.quality };
    }
  }
  if (text !== '') facts.output = text;
  return facts;
}
