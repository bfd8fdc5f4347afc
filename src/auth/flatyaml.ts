// A fast reader for the flat YAML tsh writes in profile files (scalars and string lists at
// the top level). Loading the full YAML library costs ~35 ms, paid by every command that
// reads a profile; anything outside this subset returns undefined and the caller falls back
// to the full parser, so the two never disagree on a document this accepts.

const KEY = /^([A-Za-z_][\w.-]*):(?: (.*))?$/;
const LIST_ITEM = /^ {0,2}- (.*)$/;

type Scalar = string | boolean | null;

function scalar(raw: string): Scalar | undefined {
  const v = raw.trim();
  if (v === '' || v === '~' || v === 'null') return null;
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v.startsWith('"')) {
    if (!v.endsWith('"') || v.length < 2) return undefined;
    const inner = v.slice(1, -1);
    return /["\\]/.test(inner) ? undefined : inner;
  }
  if (v.startsWith("'")) {
    if (!v.endsWith("'") || v.length < 2) return undefined;
    const inner = v.slice(1, -1);
    return inner.includes("'") ? undefined : inner;
  }
  // Plain scalars that YAML would read as something other than this exact string.
  if (/^[[\]{}&*!|>%@`#,?:-]/.test(v) || v.includes(': ') || v.includes(' #')) return undefined;
  if (
    /^[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(v) ||
    /^0[xo]/.test(v) ||
    /^[-+]?\.(inf|nan)$/i.test(v)
  ) {
    return undefined;
  }
  if (/^(yes|no|on|off|y|n|True|False|TRUE|FALSE|Null|NULL)$/.test(v)) return undefined;
  return v;
}

export function parseFlatYaml(text: string): Record<string, Scalar | string[]> | undefined {
  const out: Record<string, Scalar | string[]> = {};
  let listKey: string | undefined;
  const bareKeys = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    if (line.includes('\t') || line.endsWith('\r')) return undefined;
    const item = LIST_ITEM.exec(line);
    if (item) {
      if (!listKey) return undefined;
      const v = scalar(item[1]);
      if (typeof v !== 'string') return undefined;
      (out[listKey] as string[]).push(v);
      continue;
    }
    const m = KEY.exec(line);
    if (!m || m[1] in out) return undefined;
    listKey = undefined;
    if (m[2] === undefined || m[2].trim() === '') {
      out[m[1]] = [];
      listKey = m[1];
      bareKeys.add(m[1]);
      continue;
    }
    if (m[2].trim() === '[]') {
      out[m[1]] = [];
      continue;
    }
    const v = scalar(m[2]);
    if (v === undefined) return undefined;
    out[m[1]] = v;
  }
  // An empty document is null in YAML, not an empty mapping.
  if (Object.keys(out).length === 0) return undefined;
  // "key:" with no list items under it is null in YAML.
  for (const k of bareKeys) if ((out[k] as string[]).length === 0) out[k] = null;
  return out;
}
