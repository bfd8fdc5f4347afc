// tsh's ASCII tables (lib/asciitable): a header row, a row of dashes, then cells, laid out like
// Go's text/tabwriter(minwidth 5, tabwidth 0, padding 1, ' '): every cell, the last included,
// is padded to its column width + 1, so lines end in spaces exactly as tsh's do.

export interface Column {
  title: string;
  /** 0 = no limit; longer cells are cut and end in "...". */
  maxCellLength?: number;
}

const MIN_WIDTH = 5;
const PADDING = 1;

function cut(cell: string, max = 0): string {
  const chars = [...cell];
  return max > 0 && chars.length > max ? `${chars.slice(0, max).join('')}...` : cell;
}

function width(s: string): number {
  return [...s].length;
}

export class Table {
  private readonly rows: string[][] = [];
  private widths?: number[];

  constructor(private readonly columns: Column[]) {}

  static headless(count: number): Table {
    return new Table(Array.from({ length: count }, () => ({ title: '' })));
  }

  /**
   * A table whose `truncated` column is shortened to fit `termWidth` (upstream
   * MakeTableWithTruncatedColumn; 80 columns when the width is unknown).
   */
  static withTruncatedColumn(titles: string[], rows: string[][], truncated: string, termWidth = 80): Table {
    const minTruncated = 16;
    const maxColWidth = Math.floor((termWidth - minTruncated) / Math.max(titles.length - 1, 1));
    let total = 0;
    const cols: Column[] = titles.map((title, i) => {
      if (title === truncated) return { title };
      let len = width(title);
      for (const r of rows) len = Math.max(len, width(r[i] ?? ''));
      if (len > maxColWidth) {
        total += maxColWidth + 4; // "...<space>"
        return { title, maxCellLength: maxColWidth };
      }
      total += len + 1;
      return { title, maxCellLength: len };
    });
    for (const c of cols) if (c.title === truncated) c.maxCellLength = Math.max(termWidth - total - 4, 0);
    const t = new Table(cols);
    for (const r of rows) t.addRow(r);
    return t;
  }

  addRow(row: string[]): void {
    this.rows.push(row.slice(0, this.columns.length));
  }

  get headless(): boolean {
    return this.columns.every((c) => !c.title);
  }

  toString(): string {
    return this.page(this.rows, true);
  }

  /**
   * Renders rows; the first call fixes the column widths (from the header and these rows) so
   * a listing can be printed page by page without holding every row.
   */
  page(rows: string[][], withHeader: boolean): string {
    const cells = rows.map((r) => r.map((cell, i) => cut(cell, this.columns[i]?.maxCellLength)));
    const lines: string[][] = [];
    if (withHeader && !this.headless) {
      const dash = this.columns.map((c, i) =>
        Math.max(width(c.title), ...cells.map((r) => width(r[i] ?? ''))),
      );
      lines.push(
        this.columns.map((c) => c.title),
        dash.map((w) => '-'.repeat(w)),
      );
    }
    lines.push(...cells);
    this.widths ??= this.columns.map((_, i) =>
      Math.max(MIN_WIDTH, ...lines.map((l) => (i < l.length ? width(l[i]) + PADDING : 0))),
    );
    const widths = this.widths;
    return lines
      .map(
        (l) =>
          `${l.map((cell, i) => cell + ' '.repeat(Math.max(widths[i] - width(cell), PADDING))).join('')}\n`,
      )
      .join('');
  }
}
