/**
 * Compose variable interpolation, as the Compose specification defines it: `$NAME`, `${NAME}`,
 * `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`, `${NAME:+alt}`,
 * `${NAME+alt}`, nested operands (`${A:-${B:-c}}`) and `$$` for a literal `$`.
 * https://docs.docker.com/reference/compose-file/interpolation/
 */
export function interpolateCompose(text: string, env: Readonly<Record<string, string | undefined>>): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (char !== '$') {
      out += char;
      i += 1;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const end = findClosingBrace(text, i + 2);
      out += resolveBraced(text.slice(i + 2, end), env);
      i = end + 1;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
      if (name) {
        out += env[name] ?? '';
        i += 1 + name.length;
      } else {
        out += '$';
        i += 1;
      }
    }
  }
  return out;
}

/** Index of the `}` closing a `${` whose body starts at `start`, skipping nested `${...}`. */
function findClosingBrace(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i += 1) {
    if (text[i] === '$' && text[i + 1] === '{') {
      depth += 1;
      i += 1;
    } else if (text[i] === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  throw new Error(`unclosed \${ in "${text}"`);
}

/** Resolves the body of one `${...}` expression. */
function resolveBraced(body: string, env: Readonly<Record<string, string | undefined>>): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?([\s\S]*)$/.exec(body);
  if (!match?.[1]) throw new Error(`invalid interpolation "\${${body}}"`);
  const [, name, operator, operand = ''] = match;
  const value = env[name];
  const isSet = value !== undefined;
  const isSetNonEmpty = isSet && value !== '';
  switch (operator) {
    case undefined:
      if (operand !== '') throw new Error(`invalid interpolation "\${${body}}"`);
      return value ?? '';
    case ':-':
      return isSetNonEmpty ? value : interpolateCompose(operand, env);
    case '-':
      return isSet ? value : interpolateCompose(operand, env);
    case ':?':
    case '?':
      if (operator === ':?' ? isSetNonEmpty : isSet) return value as string;
      throw new Error(`required variable ${name} is missing: ${interpolateCompose(operand, env)}`);
    case ':+':
      return isSetNonEmpty ? interpolateCompose(operand, env) : '';
    case '+':
      return isSet ? interpolateCompose(operand, env) : '';
    default:
      throw new Error(`invalid interpolation "\${${body}}"`);
  }
}
