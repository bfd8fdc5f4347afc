// Go's encoding/json output details shared by every place tshjs prints Go-compatible JSON:
// HTML-safe escaping, string quoting, MarshalIndent and json.Indent.

/** Go escapes <, >, & and U+2028/9 inside strings (its HTML-safe default); JSON.stringify does not. */
export function goEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const BACKSPACE_OR_FORMFEED = /[\b\f]/;

/** A Go JSON string: like JSON.stringify, but \b and \f as \u escapes (as encoding/json). */
export function goString(s: string): string {
  // Most strings have neither character: skip the regex pass (a hot path of recording export).
  if (!BACKSPACE_OR_FORMFEED.test(s)) return JSON.stringify(s);
  return JSON.stringify(s).replace(/\\([\\bf])/g, (m, c: string) =>
    c === '\\' ? m : c === 'b' ? '\\u0008' : '\\u000c',
  );
}

/**
 * json.MarshalIndent(v, "", "  ") for values whose keys are already in Go's order:
 * JSON.stringify plus Go's HTML-safe escaping of <, >, & and U+2028/U+2029.
 */
export function goMarshalIndent(v: unknown): string {
  return goEscape(JSON.stringify(v, null, 2));
}

/**
 * Go's json.Indent of compact JSON (as MarshalIndent): each element on its own line starting
 * with prefix + indent per level; empty objects/arrays stay "{}"/"[]"; the first line gets no
 * prefix. HTML-unsafe characters are escaped as Go's encoding/json does.
 */
export function goIndentJSON(compact: string, prefix: string, indent: string): string {
  let out = '';
  let depth = 0;
  let inStr = false;
  // Unbalanced input (a stray "}") must not make the depth negative: repeat() would throw.
  const nl = (): string => `\n${prefix}${indent.repeat(Math.max(depth, 0))}`;
  for (let i = 0; i < compact.length; i++) {
    const c = compact[i];
    if (inStr) {
      out += c;
      if (c === '\\')
        out += compact[++i] ?? ''; // a cut-off escape adds nothing
      else if (c === '"') inStr = false;
      continue;
    }
    switch (c) {
      case '"':
        inStr = true;
        out += c;
        break;
      case '{':
      case '[': {
        const close = c === '{' ? '}' : ']';
        if (compact[i + 1] === close) {
          out += c + close;
          i++;
          break;
        }
        depth++;
        out += c + nl();
        break;
      }
      case '}':
      case ']':
        depth--;
        out += nl() + c;
        break;
      case ',':
        out += `,${nl()}`;
        break;
      case ':':
        out += ': ';
        break;
      default:
        out += c;
    }
  }
  return goEscape(out);
}
