// Go's encoding/json output details shared by every place tshjs prints Go-compatible JSON.

/** Go escapes <, >, & and U+2028/9 inside strings (its HTML-safe default); JSON.stringify does not. */
export function goEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
