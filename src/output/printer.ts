// Output shared by commands: tsh's JSON (2-space indent) and YAML documents, streamed JSON arrays
// and YAML sequences, and listings (table or JSON/YAML).
import { stdinTerminalWidth } from '../term/io.js';
import { goYAML } from '../format/goyaml.js';
import { byteString, Table } from './table.js';

export const FORMATS = ['text', 'json', 'yaml'] as const;
export type Format = (typeof FORMATS)[number];

export function toJSON(v: unknown): string {
  return `${JSON.stringify(v, null, 2)}\n`;
}

/** ghodss/yaml Marshal of a JSON-shaped value (yaml.v2: sorted keys, YAML 1.1 quoting; ends with one newline). */
export function toYAML(v: unknown): string {
  return goYAML(v);
}

/**
 * lib/utils FastMarshalIndent(v, "", "  "): json-iterator with EscapeHTML off, so <, > and & stay
 * as they are; \b and \f are written as \u0008 and \u000c.
 */
export function fastMarshalIndent(v: unknown): string {
  return JSON.stringify(v, null, 2).replace(/\\([\\bf])/g, (m, c: string) =>
    c === '\\' ? m : c === 'b' ? '\\u0008' : '\\u000c',
  );
}

/**
 * What tsh prints for `--format json|yaml` of one document (status, version, env, login):
 * fmt.Println of FastMarshalIndent or of ghodss yaml.Marshal, so YAML ends with a blank line.
 */
export function serialize(format: Exclude<Format, 'text'>, v: unknown): string {
  return `${format === 'json' ? fastMarshalIndent(v) : toYAML(v)}\n`;
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
 * Writes a JSON array element by element, byte-identical to FastMarshalIndent(list, "", "  ")
 * followed by a newline (tsh's listings), without holding the list.
 */
export class JsonArrayWriter {
  private count = 0;
  constructor(private readonly out: { write(s: string): unknown }) {}

  write(item: unknown): void {
    const body = fastMarshalIndent(item).replace(/\n/g, '\n  ');
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

/** What a table listing says: titles, one row per item, and how tsh lays it out. */
export interface ListingText<T> {
  titles: string[];
  row: (t: T) => string[];
  /** MakeTableWithTruncatedColumn on this column (width from stdin's terminal, 80 when unknown). */
  truncate?: string;
  /** MakeHeadlessTable(titles.length): no header, no dashes. */
  quiet?: boolean;
  /** asciitable SortRowsBy([0], stable): rows in byte order of their first cell, ties kept in order. */
  sortByFirstColumn?: boolean;
}

/** A listing as a table (text) or Go-shaped JSON/YAML: the small listings' one output path. */
export function printListing<T>(
  io: { stdout: { write(s: string | Uint8Array): unknown }; stdin?: unknown },
  format: Format,
  items: T[],
  text: ListingText<T>,
  toJSON: (t: T) => unknown,
): void {
  const out = io.stdout;
  if (format === 'json' || format === 'yaml') {
    const w = format === 'json' ? new JsonArrayWriter(out) : new YamlSequenceWriter(out);
    for (const t of items) w.write(toJSON(t));
    w.end();
    return;
  }
  let rows = items.map(text.row);
  if (text.sortByFirstColumn) {
    rows = rows
      .map((r, i) => ({ r, i, k: byteString(r[0] ?? '') }))
      .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
      .map((x) => x.r);
  }
  let table: Table;
  if (text.quiet) {
    table = Table.headless(text.titles.length);
    rows.forEach((r) => table.addRow(r));
  } else if (text.truncate) {
    table = Table.withTruncatedColumn(text.titles, rows, text.truncate, stdinTerminalWidth(io.stdin));
  } else {
    table = new Table(text.titles.map((title) => ({ title })));
    rows.forEach((r) => table.addRow(r));
  }
  // tsh prints tables with fmt.Println, hence the blank line after.
  table.writeTo(out);
  out.write('\n');
}
