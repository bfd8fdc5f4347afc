// Label and name rendering as tsh does it (tool/common/common.go).

/** types.TeleportNamespace */
const TELEPORT_NAMESPACE = 'teleport.dev';
/** types.TeleportHiddenLabelPrefix */
const HIDDEN_PREFIX = 'teleport.hidden/';
/** types.TeleportInternalLabelPrefix */
const INTERNAL_PREFIX = 'teleport.internal/';
/** types.DiscoveredNameLabel (TeleportInternalLabelPrefix + "discovered-name") */
export const DISCOVERED_NAME_LABEL = `${INTERNAL_PREFIX}discovered-name`;

/**
 * Go's string order (sort.Strings, `<`): byte-wise over UTF-8. UTF-16 code-unit order agrees except
 * between surrogate pairs (U+10000 and up) and U+E000–U+FFFF, which this corrects.
 */
export function goCompare(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        // Surrogates (D800–DFFF) encode code points above FFFF: move them above E000–FFFF.
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

function isTeleportLabel(key: string): boolean {
  return (
    key.charCodeAt(0) === 0x74 && // "t": skip the prefix tests for most keys
    (key.startsWith(`${TELEPORT_NAMESPACE}/`) ||
      key.startsWith(HIDDEN_PREFIX) ||
      key.startsWith(INTERNAL_PREFIX))
  );
}

/**
 * common.FormatLabels(labels, verbose) (PR #30079, v14+): teleport.dev/, teleport.hidden/ and
 * teleport.internal/ labels only with verbose; plain keys first, then namespaced keys ("a/b"), then the
 * teleport ones, each group sorted as "k=v" strings; joined by ",".
 */
export function formatLabels(labels: Record<string, string> | undefined, verbose: boolean): string {
  if (!labels) return '';
  let plain: string[] | undefined;
  let namespaced: string[] | undefined;
  let teleport: string[] | undefined;
  for (const k in labels) {
    if (isTeleportLabel(k)) {
      if (verbose) (teleport ??= []).push(`${k}=${labels[k]}`);
    } else if (k.includes('/')) (namespaced ??= []).push(`${k}=${labels[k]}`);
    else (plain ??= []).push(`${k}=${labels[k]}`);
  }
  // Most resources have a few plain labels only: no concatenation of groups then.
  if (!namespaced && !teleport) return plain ? sortGo(plain).join(',') : '';
  return [...sortGo(plain ?? []), ...sortGo(namespaced ?? []), ...sortGo(teleport ?? [])].join(',');
}

const SURROGATE = /[\ud800-\udfff]/;

/** sort.Strings: byte order; the default (UTF-16) sort agrees unless a string has a surrogate pair. */
function sortGo(xs: string[]): string[] {
  if (xs.length < 2) return xs;
  if (xs.length === 2) {
    if (goCompare(xs[0], xs[1]) > 0) xs.reverse();
    return xs;
  }
  for (const x of xs) if (SURROGATE.test(x)) return xs.sort(goCompare);
  return xs.sort();
}

/**
 * common.FormatResourceName(r, verbose): without verbose, a resource the Discovery Service found shows
 * its discovered name (the teleport.internal/discovered-name label); otherwise its name.
 */
export function formatResourceName(
  name: string,
  allLabels: Record<string, string> | undefined,
  verbose: boolean,
): string {
  if (!verbose) {
    const discovered = allLabels?.[DISCOVERED_NAME_LABEL];
    if (discovered) return discovered;
  }
  return name;
}

/** types.CombineLabels(static, dynamic) as GetAllLabels returns them: dynamic results win. */
export function allLabels(
  static_: Record<string, string> | undefined,
  dynamic: Record<string, { Result: string }> | undefined,
): Record<string, string> {
  let out: Record<string, string> | undefined;
  for (const k in dynamic) {
    out ??= { ...static_ };
    out[k] = dynamic[k].Result;
  }
  return out ?? static_ ?? {};
}
