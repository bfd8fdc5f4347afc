// Machine output shared by commands: tsh's JSON (2-space indent) and YAML.
import { goEscape } from '../format/gojson.js';
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

/**
 * Writes a JSON array element by element, byte-identical to Go's MarshalIndent(list, "", "  ")
 * followed by a newline, without holding the list.
 */
export class JsonArrayWriter {
  private count = 0;
  constructor(private readonly out: { write(s: string): unknown }) {}

  write(item: unknown): void {
    const body = goEscape(JSON.stringify(item, null, 2)).replace(/\n/g, '\n  ');
    this.out.write(`${this.count === 0 ? '[\n' : ',\n'}  ${body}`);
    this.count++;
  }

  end(): void {
    this.out.write(this.count === 0 ? '[]\n' : '\n]\n');
  }
}

/** A YAML sequence written item by item (ghodss/yaml sorts keys); "[]" when empty. */
export class YamlSequenceWriter {
  private count = 0;
  constructor(private readonly out: { write(s: string): unknown }) {}

  write(item: unknown): void {
    this.out.write(yaml().stringify([item], { indentSeq: false, lineWidth: 0, sortMapEntries: true }));
    this.count++;
  }

  end(): void {
    this.out.write(this.count === 0 ? '[]\n\n' : '\n');
  }
}
