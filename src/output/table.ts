// tsh's ASCII tables (lib/asciitable/table.go): a header row, a row of dashes, then cells, written
// through Go's text/tabwriter(minwidth 5, tabwidth 0, padding 1, ' ', 0) with every cell, the last
// included, followed by a tab — so every cell is padded to its column width and lines end in spaces.
//
// Go measures two ways, and so does this file:
//  - asciitable uses len() — UTF-8 bytes — for truncation (`cell[:MaxCellLength] + "..."`, which can
//    cut inside a character), for MakeTableWithTruncatedColumn's widths and for the dash rows;
//  - tabwriter pads by utf8.RuneCount (an invalid byte counts as one rune).
// Cells are therefore kept as "byte strings": one char per UTF-8 byte (latin1), which V8 also stores at
// one byte per char, so a 100k-row listing is held as one packed string per row. The table is written
// as bytes (`writeTo`, `toBuffer`), exactly what tsh prints, cut characters included.

export interface Column {
  title: string;
  /** 0 = no limit; longer cells are cut to this many bytes and end in "...". */
  maxCellLength?: number;
}

const MIN_WIDTH = 5;
const PADDING = 1;
/** Cell separator inside a packed row (cells never contain NUL in practice). */
const SEP = '\x00';
/** MakeTableWithTruncatedColumn's truncatedColMinSize. */
const TRUNCATED_MIN = 16;
// Any char at or above U+0080 (a byte string's high bytes, or a JS string's non-ASCII).
const NON_ASCII = /[\u0080-\uffff]/;

/** The UTF-8 bytes of s as a byte string (one char per byte); ASCII strings are returned as they are. */
export function byteString(s: string): string {
  return NON_ASCII.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

/** Go's utf8.RuneCount over a byte string: each valid sequence is one rune, each invalid byte one. */
export function runeCount(b: string): number {
  if (!NON_ASCII.test(b)) return b.length;
  let n = 0;
  for (let i = 0; i < b.length; n++) {
    const c = b.charCodeAt(i);
    const need =
      c < 0x80
        ? 0
        : c >= 0xc2 && c <= 0xdf
          ? 1
          : c >= 0xe0 && c <= 0xef
            ? 2
            : c >= 0xf0 && c <= 0xf4
              ? 3
              : -1;
    if (need <= 0) {
      i++;
      continue;
    }
    // Second-byte ranges that exclude overlongs, surrogates and > U+10FFFF (utf8.acceptRanges).
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    let ok = i + need < b.length;
    if (ok) {
      const c1 = b.charCodeAt(i + 1);
      ok = c1 >= lo && c1 <= hi;
      for (let k = 2; ok && k <= need; k++) {
        const ck = b.charCodeAt(i + k);
        ok = ck >= 0x80 && ck <= 0xbf;
      }
    }
    i += ok ? need + 1 : 1;
  }
  return n;
}

function cut(cell: string, max: number): string {
  return max > 0 && cell.length > max ? `${cell.slice(0, max)}...` : cell;
}

let spaces = ' '.repeat(256);
function pad(n: number): string {
  if (n > spaces.length) spaces = ' '.repeat(n * 2);
  return spaces.slice(0, n);
}

/**
 * An asciitable.Table. Rows are kept packed (one byte string per row); the layout — truncation, dash
 * widths, tabwriter widths — is computed over all rows when the table is written, so a listing can add
 * rows page by page and still get tsh's widths.
 */
export class Table {
  private readonly titles: string[];
  private readonly caps: number[];
  /**
   * The rows, each packed: its cells joined by SEP, then SEP and its insertion index in three bytes
   * (so sorting keeps equal rows in insertion order and a row finds its pre-rendered line).
   */
  private readonly rows: string[] = [];
  /** Longest cell of each column, in bytes (before truncation). */
  private readonly maxLen: number[];
  /** Longest cell of each column, in runes (headless tables only: no dash row bounds them). */
  private readonly maxRunes: number[];
  /** MakeTableWithTruncatedColumn: the column to shorten and the terminal width. */
  private truncated?: { index: number; termWidth: number };
  private readonly isHeadless: boolean;
  /** No cell so far has a byte above 0x7f: runes are bytes, nothing to count. */
  private ascii = true;
  /** Lines laid out ahead (renderAhead), by insertion index, and the layout each was laid out with. */
  private renderingAhead = false;
  private ahead?: { caps: number[]; widths: number[]; id: number };
  private readonly lines: string[] = [];
  private readonly lineLayout: number[] = [];
  private readonly layoutKeys: string[] = [];

  constructor(columns: Column[]) {
    this.titles = columns.map((c) => byteString(c.title));
    this.caps = columns.map((c) => Math.max(c.maxCellLength ?? 0, 0));
    this.maxLen = this.titles.map(() => 0);
    this.maxRunes = this.titles.map(() => 0);
    this.isHeadless = this.titles.every((t) => !t);
  }

  /** asciitable.MakeHeadlessTable(count): no header, no dashes. */
  static headless(count: number): Table {
    return new Table(Array.from({ length: count }, () => ({ title: '' })));
  }

  /**
   * asciitable.MakeTableWithTruncatedColumn(titles, rows, truncated): every other column is capped at
   * (width - 16) / (columns - 1) bytes, and the truncated one gets what is left of the terminal width
   * (term.GetSize of stdin, 80 when unknown). Rows may also be added later, before the table is written.
   */
  static withTruncatedColumn(titles: string[], rows: string[][], truncated: string, termWidth = 80): Table {
    const t = new Table(titles.map((title) => ({ title })));
    t.truncated = { index: titles.indexOf(truncated), termWidth };
    for (const r of rows) t.addRow(r);
    return t;
  }

  get headless(): boolean {
    return this.isHeadless;
  }

  get length(): number {
    return this.rows.length;
  }

  /** AddRow: cells past the column count are dropped. */
  addRow(row: string[]): void {
    const n = Math.min(row.length, this.titles.length);
    const headless = this.isHeadless;
    const cells = new Array<string>(n + 1);
    for (let i = 0; i < n; i++) {
      const c = byteString(row[i]);
      if (this.ascii && c !== row[i]) this.ascii = false;
      if (c.length > this.maxLen[i]) {
        this.maxLen[i] = c.length;
        this.ahead = undefined;
      }
      if (headless) {
        const r = runeCount(c);
        if (r > this.maxRunes[i]) {
          this.maxRunes[i] = r;
          this.ahead = undefined;
        }
      }
      cells[i] = c;
    }
    const idx = this.rows.length;
    if (idx >= 1 << 24) throw new Error('table: too many rows');
    if (this.renderingAhead) {
      let a = this.ahead;
      if (!a) {
        const l = this.layout();
        let id = this.layoutKeys.indexOf(l.key);
        if (id < 0) id = this.layoutKeys.push(l.key) - 1;
        a = this.ahead = { caps: l.caps, widths: l.widths, id };
      }
      this.lines[idx] = this.line(cells, a.caps, a.widths, n);
      this.lineLayout[idx] = a.id;
    }
    cells[n] = String.fromCharCode(idx >>> 16, (idx >>> 8) & 0xff, idx & 0xff);
    // join: one flat string per row (a chain of concatenations would keep every cell alive).
    this.rows.push(cells.join(SEP));
  }

  /**
   * From now on, lays each row out as it is added, with the column widths as they are then: a listing
   * does that work while it waits for its next page, and writing re-lays out only the rows added before
   * the widths last changed.
   */
  renderAhead(): void {
    this.renderingAhead = true;
  }

  /**
   * Sorts the rows by their cells in byte order, the first column first (Go's `<` on strings), as tsh
   * sorts nodes by hostname. Rows equal in the first column keep an order by the following cells, equal
   * rows their insertion order.
   */
  sortRows(): void {
    // Default sort compares UTF-16 code units: on byte strings that is byte order; SEP sorts first.
    this.rows.sort();
  }

  /** Column caps, dash widths and padded widths, from the titles and every row so far. */
  private layout(): { caps: number[]; widths: number[]; dashes: number[]; key: string } {
    const n = this.titles.length;
    const caps = [...this.caps];
    if (this.truncated) {
      // A truncated column that is not one of the titles (index -1): the others are still capped.
      const { index, termWidth } = this.truncated;
      const maxColWidth = Math.trunc((termWidth - TRUNCATED_MIN) / Math.max(n - 1, 1));
      let total = 0;
      for (let i = 0; i < n; i++) {
        if (i === index) continue;
        const longest = Math.max(this.titles[i].length, this.maxLen[i]);
        if (longest > maxColWidth) {
          caps[i] = Math.max(maxColWidth, 0);
          total += maxColWidth + 4; // "...<space>"
        } else {
          caps[i] = longest;
          total += longest + 1;
        }
      }
      if (index >= 0) caps[index] = Math.max(termWidth - total - 4, 0);
    }
    const dashes = this.titles.map((t, i) => {
      const l = this.maxLen[i];
      return Math.max(t.length, caps[i] > 0 && l > caps[i] ? caps[i] + 3 : l);
    });
    const headless = this.headless;
    const widths = dashes.map((d, i) =>
      // Headed: the dash row is the widest cell (bytes >= runes). Headless: the longest cell in runes.
      Math.max(MIN_WIDTH, (headless ? this.maxRunes[i] : d) + PADDING),
    );
    return { caps, widths, dashes, key: `${caps.join(',')}|${widths.join(',')}` };
  }

  /** One line of the first `n` cells: cut to the caps (body rows only), padded to the widths in runes. */
  private line(cells: string[], caps: number[] | undefined, widths: number[], n = cells.length): string {
    const runes = this.ascii ? (c: string) => c.length : runeCount;
    // join: a flat string (lines laid out ahead are kept; concatenation chains would cost more memory).
    const parts = new Array<string>(n * 2 + 1);
    for (let i = 0; i < n; i++) {
      const c = caps ? cut(cells[i], caps[i]) : cells[i];
      parts[2 * i] = c;
      parts[2 * i + 1] = pad(widths[i] - runes(c));
    }
    parts[n * 2] = '\n';
    return parts.join('');
  }

  /** A packed row's cells and insertion index. */
  private static unpack(row: string): { cells: string[]; idx: number } {
    const n = row.length;
    const idx = (row.charCodeAt(n - 3) << 16) | (row.charCodeAt(n - 2) << 8) | row.charCodeAt(n - 1);
    return { cells: row.slice(0, n - 4).split(SEP), idx };
  }

  /** The table as byte-string chunks of about `chunkRows` rows each. */
  *chunks(chunkRows = 1000): Generator<string> {
    const { caps, widths, dashes, key } = this.layout();
    const current = this.layoutKeys.indexOf(key);
    // Only body cells are truncated (truncateCell); the header and dash rows are written as they are.
    if (!this.headless)
      yield (
        this.line(this.titles, undefined, widths) +
        this.line(
          dashes.map((d) => '-'.repeat(d)),
          undefined,
          widths,
        )
      );
    for (let start = 0; start < this.rows.length; start += chunkRows) {
      let s = '';
      const end = Math.min(start + chunkRows, this.rows.length);
      for (let r = start; r < end; r++) {
        const row = this.rows[r];
        const n = row.length;
        const idx = (row.charCodeAt(n - 3) << 16) | (row.charCodeAt(n - 2) << 8) | row.charCodeAt(n - 1);
        s +=
          current >= 0 && this.lineLayout[idx] === current
            ? this.lines[idx]
            : this.line(Table.unpack(row).cells, caps, widths);
      }
      yield s;
    }
  }

  /** Writes the table's bytes (AsBuffer) to out, chunk by chunk. */
  writeTo(out: { write(b: Uint8Array): unknown }): void {
    for (const c of this.chunks()) out.write(Buffer.from(c, 'latin1'));
  }

  toBuffer(): Buffer {
    return Buffer.from([...this.chunks()].join(''), 'latin1');
  }

  /** The table as text (a character cut in half by truncation becomes U+FFFD here; see toBuffer). */
  toString(): string {
    return this.toBuffer().toString('utf8');
  }
}
