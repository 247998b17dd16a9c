/**
 * Secret marker values. Every request of the suite carries some of them, and every child sidecar runs with
 * the others in its environment; the final scan asserts that none reaches an exported byte or a log line.
 */
export const MARKERS = {
  masterKey: 'sk-fault-master-7f3a9c41d2e8b6',
  virtualKey: 'sk-fault-virtual-51d2e8aa09c3f7',
  openaiKey: 'sk-proj-fault-openai-93c1aa5e7b20d4',
  anthropicKey: 'sk-ant-fault-anthropic-2e77f0c61b94a8',
  azureKey: 'fault-azure-key-0b6e4d9f13c2a7e5',
  geminiKey: 'fault-gemini-key-AIzaFaultc4d8b1e2',
  langfuseSecret: 'sk-lf-fault-secret-c4d8b1f6a03e97',
} as const;

/** Every marker value, for scans. */
export const MARKER_VALUES: string[] = Object.values(MARKERS);

/** The headers every load request carries: the master key as a Bearer token and a provider key in x-api-key. */
export const SECRET_REQUEST_HEADERS: Record<string, string> = {
  authorization: `Bearer ${MARKERS.masterKey}`,
  'x-api-key': MARKERS.anthropicKey,
};

/** Environment a child sidecar gets on top of its own settings: the keys a real container might hold. */
export const SECRET_ENV: Record<string, string> = {
  LITELLM_MASTER_KEY: MARKERS.masterKey,
  OPENAI_API_KEY: MARKERS.openaiKey,
  ANTHROPIC_API_KEY: MARKERS.anthropicKey,
  AZURE_API_KEY: MARKERS.azureKey,
  GEMINI_API_KEY: MARKERS.geminiKey,
  LANGFUSE_PUBLIC_KEY: 'pk-lf-fault-public',
  LANGFUSE_SECRET_KEY: MARKERS.langfuseSecret,
};

/** The markers found in a text, with a little context around the first hit of each. */
export function findMarkers(text: string): Array<{ marker: string; context: string }> {
  const hits: Array<{ marker: string; context: string }> = [];
  for (const marker of MARKER_VALUES) {
    const at = text.indexOf(marker);
    if (at !== -1) hits.push({ marker, context: text.slice(Math.max(0, at - 80), at + marker.length + 20) });
  }
  return hits;
}
