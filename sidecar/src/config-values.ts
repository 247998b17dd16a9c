import { z } from 'zod';

/** Environment variables are strings; these helpers parse them once, with defaults in the schema. */
export const envBoolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', 'TRUE', 'FALSE', 'True', 'False'])
    .optional()
    .transform((value) => (value === undefined ? fallback : ['true', '1', 'yes', 'on'].includes(value.toLowerCase())));

export const envInteger = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });

/**
 * A URL as it may appear in a log line or an error message: a `user:password@` part (a Langfuse behind a
 * basic-auth proxy, say) is masked, since logs are read by more people than the environment.
 */
export function maskUrlCredentials(raw: string): string {
  try {
    const url = new URL(raw);
    if (!url.username && !url.password) return raw;
    url.username = '***';
    url.password = '';
    return url.toString();
  } catch {
    return raw.replace(/\/\/[^/?#]*@/, '//***@');
  }
}

export const envUrl = (fallback?: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const raw = value === undefined || value.trim() === '' ? fallback : value.trim();
      if (raw === undefined) return undefined;
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: `must be an http(s) URL, got "${maskUrlCredentials(raw)}"` });
        return z.NEVER;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        ctx.addIssue({ code: 'custom', message: `must be an http(s) URL, got "${maskUrlCredentials(raw)}"` });
        return z.NEVER;
      }
      return raw.replace(/\/+$/, '');
    });

export const envRatio = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      if (!Number.isFinite(parsed) || parsed < 0 || parsed > 1) {
        ctx.addIssue({ code: 'custom', message: `must be a number from 0 to 1 (the share of traces kept), got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });

export const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/**
 * Langfuse's rule for environment names (langfuse/langfuse, packages/shared/src/server/ingestion/types.ts): lowercase
 * a-z, 0-9, `-` and `_`, at most 40 characters, not starting with "langfuse". Langfuse lowercases what it receives
 * and silently stores anything else as "default", so the rule is applied here, where a wrong value can still be
 * refused with a message.
 */
const LANGFUSE_ENVIRONMENT_RULE = /^(?!langfuse)[a-z0-9_-]{1,40}$/;

export const envLangfuseEnvironment = optionalString.transform((value, ctx) => {
  if (value === undefined) return undefined;
  const lowered = value.toLowerCase();
  if (!LANGFUSE_ENVIRONMENT_RULE.test(lowered)) {
    ctx.addIssue({
      code: 'custom',
      message: `must be at most 40 characters of a-z, 0-9, "-" and "_", not starting with "langfuse" (Langfuse's rule: it would store "${value}" as "default")`,
    });
    return z.NEVER;
  }
  return lowered;
});

/** The attribution metadata keys (LiteLLM's names) that SIDECAR_LANGFUSE_DEFAULT_TAGS may turn into `key:value` tags. */
export const ATTRIBUTION_TAG_KEYS = ['user_api_key_alias', 'user_api_key_team_alias', 'user_api_key_team_id', 'user_api_key_user_id', 'user_api_key_org_id'] as const;

export const envTagKeys = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const keys = (value ?? fallback).split(',').map((key) => key.trim()).filter(Boolean);
      const unknown = keys.filter((key) => !(ATTRIBUTION_TAG_KEYS as readonly string[]).includes(key));
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `names ${unknown.map((key) => `"${key}"`).join(', ')}; allowed: ${ATTRIBUTION_TAG_KEYS.join(', ')}` });
        return z.NEVER;
      }
      return keys;
    });
