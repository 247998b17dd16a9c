import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkLitellmConfig } from '../../tools/litellm-config-checks';
import { formatProblem } from '../../tools/yaml-walk';

const validConfig = readFileSync(join(__dirname, 'fixtures', 'config.yaml'), 'utf8');
const minimal = 'model_list:\n  - model_name: a\n    litellm_params:\n      model: openai/a\n';

/** Checks a config text and returns its problems as the lines the CLI would print. */
function problemLines(text: string): string[] {
  return checkLitellmConfig(text, 'config.yaml').problems.map(formatProblem);
}

describe('checkLitellmConfig', () => {
  it('accepts the valid fixture and lists its models and env references', () => {
    const report = checkLitellmConfig(validConfig, 'config.yaml');
    expect(report.problems).toEqual([]);
    expect(report.modelCount).toBe(3);
    expect(report.envReferences.map((ref) => `${ref.name}@${ref.line}:${ref.key}`)).toEqual([
      'OPENAI_API_KEY@6:model_list[0].litellm_params.api_key',
      'ANTHROPIC_API_KEY@10:model_list[1].litellm_params.api_key',
      'LITELLM_MASTER_KEY@22:general_settings.master_key',
    ]);
  });

  it('names the file, line and key of a literal api_key', () => {
    const text = validConfig.replace('api_key: os.environ/OPENAI_API_KEY', 'api_key: my-literal-key');
    expect(problemLines(text)).toEqual([
      'config.yaml:6: model_list[0].litellm_params.api_key: holds a literal value; credentials must be written as os.environ/NAME',
    ]);
  });

  it.each([
    ['master_key', 'general_settings:\n  master_key: not-an-env-ref\n'],
    ['a *_key parameter', 'litellm_settings:\n  langfuse_public_key: literal\n'],
    ['a *secret* parameter', 'general_settings:\n  aws_secret_access_key: literal\n'],
    ['a *token* parameter', 'litellm_settings:\n  azure_ad_token: literal\n'],
    ['a password', 'litellm_settings:\n  cache_params:\n    password: literal\n'],
    ['an environment_variables entry', 'environment_variables:\n  OPENAI_API_KEY: literal\n'],
  ])('rejects a literal value in %s', (_label, extra) => {
    const lines = problemLines(`${minimal}${extra}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^config\.yaml:\d+: .+: holds a literal value; credentials must be written as os\.environ\/NAME$/);
  });

  it('ignores numbers and booleans under key-like names and empty values', () => {
    const text = `${minimal}router_settings:\n  token_budget: 1000\n  use_secret: false\n  api_key: ""\n`;
    expect(problemLines(text)).toEqual([]);
  });

  it('catches a known secret format whatever the key is called', () => {
    const fake = `sk-${'a1B2c3D4'.repeat(4)}`;
    const text = validConfig.replace('mock_response: "hello"', `mock_response: "${fake}"`);
    expect(problemLines(text)).toEqual([
      'config.yaml:15: model_list[2].litellm_params.mock_response: looks like an API key (sk-…); move it to an environment variable and write os.environ/NAME',
    ]);
  });

  it('catches a URL with a written-out password', () => {
    // Assembled at run time so the repository's own secret scan does not flag this test.
    const url = ['postgresql://llm', 'hunter2@db:5432/litellm'].join(':');
    const text = `${validConfig}  database_url: ${url}\n`;
    expect(problemLines(text)).toEqual([
      'config.yaml:23: general_settings.database_url: is a URL with a password in it; read the whole URL from os.environ/NAME',
    ]);
  });

  it('rejects a malformed os.environ reference', () => {
    const text = validConfig.replace('os.environ/OPENAI_API_KEY', 'os.environ.OPENAI_API_KEY');
    expect(problemLines(text)).toEqual([
      'config.yaml:6: model_list[0].litellm_params.api_key: malformed environment reference "os.environ.OPENAI_API_KEY"; write os.environ/NAME',
    ]);
  });

  it('requires model_name and litellm_params.model on every model', () => {
    const text = validConfig.replace('  - model_name: claude\n', '  - model_info: {}\n').replace('model: openai/mock', 'model: ""');
    expect(problemLines(text)).toEqual([
      'config.yaml:7: model_list[1].model_name: is missing; clients ask for a model by this name',
      'config.yaml:14: model_list[2].litellm_params.model: is missing; write the provider model, e.g. openai/gpt-4o-mini',
    ]);
  });

  it('requires litellm_params to be a mapping', () => {
    const text = 'model_list:\n  - model_name: a\n  - just-a-string\n';
    expect(problemLines(text)).toEqual([
      'config.yaml:2: model_list[0].litellm_params: is missing; it says which provider model to call',
      'config.yaml:3: model_list[1]: must be a mapping with model_name and litellm_params',
    ]);
  });

  it('requires a non-empty model_list', () => {
    expect(problemLines('litellm_settings:\n  drop_params: true\n')).toEqual([
      'config.yaml: model_list: is missing or empty; the proxy would serve no models',
    ]);
    expect(problemLines('model_list: []\n')).toEqual(['config.yaml:1: model_list: is missing or empty; the proxy would serve no models']);
  });

  it.each([
    ['success_callback: ["langfuse"]', 'litellm_settings.success_callback[0]', 'langfuse'],
    ['failure_callback: ["prometheus", "Langfuse_OTEL"]', 'litellm_settings.failure_callback[1]', 'langfuse_otel'],
    ['callbacks: langfuse_otel', 'litellm_settings.callbacks', 'langfuse_otel'],
    ['success_callback: "prometheus, langfuse"', 'litellm_settings.success_callback', 'langfuse'],
  ])('rejects LiteLLM Langfuse callback in %s', (setting, key, name) => {
    const text = validConfig.replace('success_callback: []', setting);
    const lines = problemLines(text);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `config.yaml:19: ${key}: enables LiteLLM's own "${name}" callback; the sidecar already traces every call to Langfuse, so this would record each call twice. Remove it.`,
    );
  });

  it('allows other callbacks', () => {
    expect(problemLines(validConfig.replace('success_callback: []', 'success_callback: ["prometheus"]'))).toEqual([]);
  });

  it('reports invalid YAML and a non-mapping root with a line number', () => {
    expect(problemLines('model_list:\n  - model_name: a\n   bad: indent\n')[0]).toMatch(/^config\.yaml:3: \(yaml\): not valid YAML: /);
    expect(problemLines('a: 1\na: 2\n')[0]).toMatch(/^config\.yaml:2: \(yaml\): not valid YAML: .*unique/i);
    expect(problemLines('- a\n- b\n')).toEqual(['config.yaml:1: (root): must be a mapping with at least `model_list`']);
  });
});
