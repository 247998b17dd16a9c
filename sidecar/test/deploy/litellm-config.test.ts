import { readRepoFile, readRepoYaml } from './helpers/repo-files';

interface ModelEntry {
  model_name: string;
  litellm_params: Record<string, unknown>;
  model_info?: Record<string, unknown>;
}

interface LitellmConfig {
  model_list: ModelEntry[];
  litellm_settings?: Record<string, unknown>;
  general_settings?: Record<string, unknown>;
}

// Gemini ids Google has shut down (https://ai.google.dev/gemini-api/docs/deprecations).
const RETIRED_GEMINI = /gemini-(1\.|2\.0|2\.5-(flash|pro)(?!-lite))/;

describe('config.yaml', () => {
  const config = readRepoYaml<LitellmConfig>('config.yaml');
  const text = readRepoFile('config.yaml');
  const byName = new Map(config.model_list.map((entry) => [entry.model_name, entry]));

  it('has a demo model answered by mock_response, so the first call needs no provider key', () => {
    const demo = byName.get('demo');
    expect(typeof demo?.litellm_params.mock_response).toBe('string');
    expect(demo?.litellm_params.api_key).toBeUndefined();
    expect(demo?.model_info).toMatchObject({ input_cost_per_token: 0, output_cost_per_token: 0 });
  });

  it('preconfigures Gemini through GOOGLE_API_KEY with model ids Google still serves', () => {
    const gemini = config.model_list.filter((entry) => String(entry.litellm_params.model).startsWith('gemini/'));
    expect(gemini.length).toBeGreaterThan(0);
    for (const entry of gemini) {
      expect(entry.litellm_params.api_key).toBe('os.environ/GOOGLE_API_KEY');
      expect(String(entry.litellm_params.model)).not.toMatch(RETIRED_GEMINI);
    }
  });

  it('references every provider key as os.environ/..., never as a literal', () => {
    for (const entry of config.model_list) {
      const key = entry.litellm_params.api_key;
      if (key !== undefined) expect(key).toEqual(expect.stringMatching(/^os\.environ\/[A-Z][A-Z0-9_]*$/));
    }
    expect(config.general_settings?.master_key).toBe('os.environ/LITELLM_MASTER_KEY');
  });

  it('carries commented, ready-to-uncomment OpenAI and Anthropic examples', () => {
    expect(text).toMatch(/^\s*#\s+model: openai\/\S+\n\s*#\s+api_key: os\.environ\/OPENAI_API_KEY$/m);
    expect(text).toMatch(/^\s*#\s+model: anthropic\/\S+\n\s*#\s+api_key: os\.environ\/ANTHROPIC_API_KEY$/m);
  });

  it("keeps LiteLLM's own Langfuse callbacks off, so no call is logged twice, and says why", () => {
    const settings = config.litellm_settings ?? {};
    for (const list of ['success_callback', 'failure_callback', 'callbacks']) {
      const callbacks = (settings[list] as unknown[] | undefined) ?? [];
      expect(callbacks.map(String).filter((name) => name.includes('langfuse'))).toEqual([]);
    }
    expect(text).toMatch(/logged twice/);
  });

  it('always includes usage in streamed responses, so streamed calls get token counts', () => {
    expect(config.general_settings?.always_include_stream_usage).toBe(true);
  });
});
