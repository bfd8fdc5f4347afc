// Shared output for the small listings (apps, dbs, kube clusters, desktops): collect, dedupe
// by name, then print a table or Go-shaped JSON/YAML.
import type { ClientContext } from '../client/context.js';
import { JsonArrayWriter, YamlSequenceWriter, type Format } from './output.js';
import { Table } from './table.js';
import { terminalWidth } from '../term/io.js';

export function dedupeByName<T>(items: T[], name: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const n = name(t);
    if (seen.has(n)) return false;
    seen.add(n);
    return true;
  });
}

export function printListing<T>(
  ctx: ClientContext,
  format: Format,
  items: T[],
  text: { titles: string[]; row: (t: T) => string[]; truncate?: string; quiet?: boolean },
  toJSON: (t: T) => unknown,
): void {
  const out = ctx.io.stdout;
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
