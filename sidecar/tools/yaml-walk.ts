import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

/** One problem found by check-config: the file, the line when known, the key it concerns and what is wrong. */
export interface Problem {
  file: string;
  line?: number;
  key: string;
  message: string;
}

/** A scalar value met while walking a YAML document, with its key path and source line. */
export interface YamlLeaf {
  path: (string | number)[];
  value: unknown;
  line: number;
}

/** A parsed YAML file that remembers line numbers, so messages can point at `file:line`. */
export interface LoadedYaml {
  doc: Document;
  lineOf(node: Node | null | undefined): number | undefined;
}

/** Renders a key path the way a reader would write it: `model_list[0].litellm_params.api_key`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(root)' : out;
}

/** Formats a problem as one line: `file:line: key: message`. */
export function formatProblem(problem: Problem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return `${where}: ${problem.key}: ${problem.message}`;
}

/** Parses YAML text; syntax errors come back as problems rather than exceptions. */
export function loadYaml(text: string, file: string): { loaded?: LoadedYaml; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => ({
      file,
      line: lineCounter.linePos(error.pos[0]).line,
      key: '(yaml)',
      message: `not valid YAML: ${error.message.split('\n')[0] ?? error.code}`,
    }));
    return { problems };
  }
  return { loaded: { doc, lineOf }, problems: [] };
}

/** Calls `visit` for every scalar in the document, depth first, with the key path that leads to it. */
export function walkScalars(loaded: LoadedYaml, visit: (leaf: YamlLeaf) => void): void {
  const walk = (node: unknown, path: (string | number)[], fallbackLine: number): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const keyLine = isScalar(pair.key) ? (loaded.lineOf(pair.key) ?? fallbackLine) : fallbackLine;
        walk(pair.value, [...path, key], keyLine);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...path, index], loaded.lineOf(item as Node) ?? fallbackLine));
    } else if (isScalar(node)) {
      visit({ path, value: node.value, line: loaded.lineOf(node) ?? fallbackLine });
    } else if (node === null || node === undefined) {
      // `key:` with nothing after it: a null value, still worth a visit so checks can see the key.
      visit({ path, value: null, line: fallbackLine });
    }
  };
  walk(loaded.doc.contents, [], 1);
}
