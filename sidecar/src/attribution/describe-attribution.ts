import type { KeyAttribution } from './key-info-client';

/** What a key's attribution adds to a generation: LiteLLM's metadata keys, and its `langfuse_default_tags`-style tags. */
export interface AttributionFields {
  metadata: Record<string, string>;
  tags: string[];
}

/**
 * The names LiteLLM's own logging gives these facts (StandardLoggingUserAPIKeyMetadata in litellm/types/utils.py),
 * so a Langfuse dashboard or filter built on LiteLLM's Langfuse callback reads the sidecar's traces unchanged.
 * `defaultTags` lists keys whose values also become `key:value` tags, as LiteLLM's `langfuse_default_tags` does;
 * the key's own `metadata.tags` are tags too, as LiteLLM adds them to the request's.
 */
export function describeAttribution(key: KeyAttribution, defaultTags: readonly string[]): AttributionFields {
  const metadata: Record<string, string> = {};
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) metadata[name] = value;
  };
  set('user_api_key_hash', key.keyHash);
  set('user_api_key_alias', key.keyAlias);
  set('user_api_key_user_id', key.userId);
  set('user_api_key_team_id', key.teamId);
  set('user_api_key_team_alias', key.teamAlias);
  set('user_api_key_org_id', key.orgId);
  const tags = [...key.tags];
  for (const name of defaultTags) {
    const value = metadata[name];
    if (value !== undefined) tags.push(`${name}:${value}`);
  }
  return { metadata, tags };
}
