// Output shared by commands: tsh's JSON (2-space indent) and YAML documents, streamed JSON arrays
// and YAML sequences, and listings (table or JSON/YAML).
import { goEscape } from '../format/gojson.js';
import { terminalWidth } from '../term/io.js';
import { goYAML } from '../format/goyaml.js';
import { yaml } from '../util/lazy.js';
import { Table } from './table.js';

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

/** A YAML sequence written item by item as yaml.v2 writes the whole list (ghodss/yaml); "[]" when empty. */
export class YamlSequenceWriter {
  private count = 0;
  constructor(private readonly out: { write(s: string): unknown }) {}

  write(item: unknown): void {
    this.out.write(goYAML([item]));
    this.count++;
  }

  end(): void {
    this.out.write(this.count === 0 ? '[]\n\n' : '\n');
  }
}

/** Keeps the first item of each name (several agents may serve the same resource). */
export function dedupeByName<T>(items: T[], name: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const n = name(t);
    if (seen.has(n)) return false;
    seen.add(n);
    return true;
  });
}

/** A listing as a table (text) or Go-shaped JSON/YAML: the small listings' one output path. */
export function printListing<T>(
  out: { write(s: string): unknown; isTTY?: boolean; columns?: number },
  format: Format,
  items: T[],
  text: { titles: string[]; row: (t: T) => string[]; truncate?: string; quiet?: boolean },
  toJSON: (t: T) => unknown,
): void {
  if (format === 'json' || format === 'yaml') {
    const w = format === 'json' ? new JsonArrayWriter(out) : new YamlSequenceWriter(out);
    for (const t of items) w.write(toJSON(t));
    w.end();
    return;
  }
  const rows = items.map(text.row);
  let table: Table;
  if (text.quiet) {
    table = Table.headless(text.titles.length);
    rows.forEach((r) => table.addRow(r));
  } else if (text.truncate) {
    table = Table.withTruncatedColumn(text.titles, rows, text.truncate, terminalWidth(out));
  } else {
    table = new Table(text.titles.map((title) => ({ title })));
    rows.forEach((r) => table.addRow(r));
  }
  // tsh prints tables with fmt.Println, hence the blank line after.
  out.write(`${table.toString()}\n`);
}
