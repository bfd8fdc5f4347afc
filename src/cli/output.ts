// Machine output shared by commands: tsh's JSON (2-space indent) and YAML.
import { yaml } from '../util/lazy.js';

export const FORMATS = ['text', 'json', 'yaml'] as const;
export type Format = (typeof FORMATS)[number];

export function toJSON(v: unknown): string {
  return `${JSON.stringify(v, null, 2)}\n`;
}

export function toYAML(v: unknown): string {
  return yaml().stringify(v, { indentSeq: false, lineWidth: 0 });
}

export function serialize(format: Exclude<Format, 'text'>, v: unknown): string {
  return format === 'json' ? toJSON(v) : toYAML(v);
}

/** Go's json.Marshal of a map sorts keys; do the same for stable output. */
export function sortedRecord<T>(r: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.keys(r)
      .sort()
      .map((k) => [k, r[k]]),
  );
}
