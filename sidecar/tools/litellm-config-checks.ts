import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { formatPath, loadYaml, walkScalars, type LoadedYaml, type Problem } from './yaml-walk';

/** A place in config.yaml that reads an environment variable through LiteLLM's `os.environ/NAME` syntax. */
export interface EnvReference {
  name: string;
  file: string;
  line: number;
  key: string;
}

/** What checking config.yaml found: its problems, the env variables it reads, and how many models it lists. */
export interface LitellmConfigReport {
  problems: Problem[];
  envReferences: EnvReference[];
  modelCount: number;
}

const ENV_REF = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * Parameter names that carry credentials. LiteLLM resolves `os.environ/NAME` for any of them,
 * so a literal value there is a secret committed to the repo (or a placeholder that will fail at run time).
 */
const SECRET_KEY_NAME = /(^|_)key$|^api_?key$|access_key|secret|token|password|passwd|credential/i;

/** Known secret formats worth catching wherever they appear, whatever the key is called. */
const SECRET_VALUE_PATTERNS: { label: string; pattern: RegExp }[] = [
  { label: 'an API key (sk-…)', pattern: /\bsk-(?:ant-|lf-|proj-)?[A-Za-z0-9_-]{20,}/ },
  { label: 'a Langfuse public key (pk-lf-…)', pattern: /\bpk-lf-[A-Za-z0-9-]{20,}/ },
  { label: 'an AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { label: 'a GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/ },
  { label: 'a Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { label: 'a private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
];

/** A URL like `postgres://user:pass@host` whose password is written out rather than interpolated. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:([^/\s@]+)@/i;

/** LiteLLM's own Langfuse integrations: either one beside the sidecar would record every call twice. */
const LANGFUSE_CALLBACKS = new Set(['langfuse', 'langfuse_otel']);
const CALLBACK_KEYS = ['success_callback', 'failure_callback', 'callbacks', 'service_callback'];

/** Checks the text of a LiteLLM proxy config.yaml; `file` is the name used in messages. */
export function checkLitellmConfig(text: string, file: string): LitellmConfigReport {
  const { loaded, problems } = loadYaml(text, file);
  const report: LitellmConfigReport = { problems, envReferences: [], modelCount: 0 };
  if (!loaded) return report;
  if (!isMap(loaded.doc.contents)) {
    problems.push({ file, line: 1, key: '(root)', message: 'must be a mapping with at least `model_list`' });
    return report;
  }
  report.modelCount = checkModelList(loaded, file, problems);
  checkCallbacks(loaded, file, problems);
  walkScalars(loaded, ({ path, value, line }) => {
    if (typeof value !== 'string' || value.trim() === '') return;
    const key = formatPath(path);
    const ref = ENV_REF.exec(value.trim());
    if (ref?.[1]) {
      report.envReferences.push({ name: ref[1], file, line, key });
      return;
    }
    if (value.startsWith('os.environ')) {
      problems.push({ file, line, key, message: `malformed environment reference "${value}"; write os.environ/NAME` });
      return;
    }
    const last = path[path.length - 1];
    if (typeof last === 'string' && SECRET_KEY_NAME.test(last)) {
      problems.push({ file, line, key, message: 'holds a literal value; credentials must be written as os.environ/NAME' });
      return;
    }
    const known = SECRET_VALUE_PATTERNS.find(({ pattern }) => pattern.test(value));
    if (known) {
      problems.push({ file, line, key, message: `looks like ${known.label}; move it to an environment variable and write os.environ/NAME` });
      return;
    }
    const url = URL_WITH_PASSWORD.exec(value);
    if (url && !url[1]?.startsWith('${')) {
      problems.push({ file, line, key, message: 'is a URL with a password in it; read the whole URL from os.environ/NAME' });
    }
  });
  // In file order, so the output reads top to bottom like the file (a missing model_list, with no line, first).
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return report;
}

/** Every model needs a public name and the LiteLLM model string it routes to; returns how many models there are. */
function checkModelList(loaded: LoadedYaml, file: string, problems: Problem[]): number {
  const list = loaded.doc.get('model_list', true) as Node | undefined;
  if (!isSeq(list) || list.items.length === 0) {
    const line = loaded.lineOf(list);
    problems.push({ file, line, key: 'model_list', message: 'is missing or empty; the proxy would serve no models' });
    return 0;
  }
  list.items.forEach((item, index) => {
    const key = `model_list[${index}]`;
    const line = loaded.lineOf(item as Node);
    if (!isMap(item)) {
      problems.push({ file, line, key, message: 'must be a mapping with model_name and litellm_params' });
      return;
    }
    const name = item.get('model_name');
    if (typeof name !== 'string' || name.trim() === '') {
      problems.push({ file, line, key: `${key}.model_name`, message: 'is missing; clients ask for a model by this name' });
    }
    const params = item.get('litellm_params', true) as Node | undefined;
    if (!isMap(params)) {
      problems.push({ file, line, key: `${key}.litellm_params`, message: 'is missing; it says which provider model to call' });
      return;
    }
    const model = params.get('model');
    if (typeof model !== 'string' || model.trim() === '') {
      problems.push({
        file,
        line: loaded.lineOf(params) ?? line,
        key: `${key}.litellm_params.model`,
        message: 'is missing; write the provider model, e.g. openai/gpt-4o-mini',
      });
    }
  });
  return list.items.length;
}

/** LiteLLM's `langfuse` / `langfuse_otel` callbacks must stay off: the sidecar is the one that traces. */
function checkCallbacks(loaded: LoadedYaml, file: string, problems: Problem[]): void {
  const settings = loaded.doc.get('litellm_settings', true) as Node | undefined;
  if (!isMap(settings)) return;
  for (const callbackKey of CALLBACK_KEYS) {
    const node = settings.get(callbackKey, true) as Node | undefined;
    const entries = isSeq(node) ? node.items : node === undefined ? [] : [node];
    entries.forEach((entry, index) => {
      const value = isScalar(entry) ? entry.value : undefined;
      if (typeof value !== 'string') return;
      // LiteLLM accepts a comma-separated string as well as a list.
      const names = value.split(',').map((part) => part.trim().toLowerCase());
      const hit = names.find((name) => LANGFUSE_CALLBACKS.has(name));
      if (!hit) return;
      problems.push({
        file,
        line: loaded.lineOf(entry as Node),
        key: isSeq(node) ? `litellm_settings.${callbackKey}[${index}]` : `litellm_settings.${callbackKey}`,
        message: `enables LiteLLM's own "${hit}" callback; the sidecar already traces every call to Langfuse, so this would record each call twice. Remove it.`,
      });
    });
  }
}
