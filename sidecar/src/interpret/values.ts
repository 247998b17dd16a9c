/**
 * Narrowing helpers for bodies of unknown shape. Every reader in this folder goes through
 * these, so a body that is null, an array or of the wrong types yields "absent", never a throw.
 */

/** A plain JSON object (not null, not an array). */
export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value when it is a plain object, else undefined. */
export function asObject(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

/** The value when it is a string, else undefined. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The value when it is a non-empty string, else undefined. */
export function asNonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The value when it is a finite number, else undefined. */
export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The value when it is an array, else undefined. */
export function asArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** JSON text for a value, or undefined when it cannot be serialised (never throws). */
export function stringifyJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** Parses JSON text; undefined when it is not JSON (never throws). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The members of `body` named in `keys`, as Langfuse model parameters: strings, booleans and finite numbers as
 * they are, arrays and objects as JSON text; absent, null and unserialisable values left out.
 */
export function pickModelParameters(body: JsonObject, keys: readonly string[]): Record<string, string | number | boolean> {
  const params: Record<string, string | number | boolean> = {};
  for (const key of keys) {
    const value = body[key];
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' || typeof value === 'boolean') params[key] = value;
    else if (typeof value === 'number') {
      if (Number.isFinite(value)) params[key] = value;
    } else if (typeof value === 'object') {
      const json = stringifyJson(value);
      if (json !== undefined) params[key] = json;
    }
  }
  return params;
}
