// asciitable (lib/asciitable/table.go) over Go's text/tabwriter(minwidth 5, padding 1): expected bytes
// from upstream's lib/asciitable/table_test.go where it has a case, else worked out from table.go and
// text/tabwriter by hand (as noted at each case).
import { describe, expect, it } from 'vitest';
import { byteString, runeCount, Table } from '../../../src/output/table.js';
import { stdinTerminalWidth } from '../../../src/term/io.js';

const lines = (t: Table) => t.toBuffer().toString('latin1').split('\n');

describe('Table (lib/asciitable/table_test.go)', () => {
  it('TestFullTable', () => {
    const t = new Table([{ title: 'Name' }, { title: 'Motto' }, { title: 'Age' }]);
    t.addRow(['Alice Johnson', 'Trains are much better than cars', '40']);
    t.addRow(['Bob Smith', 'Read a good book', '2024']);
    expect(t.toString()).toBe(
      'Name          Motto                            Age  \n' +
        '------------- -------------------------------- ---- \n' +
        'Alice Johnson Trains are much better than cars 40   \n' +
        'Bob Smith     Read a good book                 2024 \n',
    );
  });

  it('TestHeadlessTable: no header, the 3rd cell chopped off', () => {
    const t = Table.headless(2);
    t.addRow(['one', 'two', 'three']);
    t.addRow(['1', '2', '3']);
    expect(t.toString()).toBe('one  two  \n1    2    \n');
  });

  // TestMakeTableWithTruncatedColumn: stdin is not a terminal under `go test`, so width 80.
  const cols = ['column1', 'column2', 'column3'];
  const row = ['cell1'.repeat(6), 'cell2'.repeat(6), 'cell3'.repeat(6)];
  it('TestMakeTableWithTruncatedColumn: column2', () => {
    expect(lines(Table.withTruncatedColumn(cols, [row], 'column2', 80))).toEqual([
      'column1                        column2           column3                        ',
      '------------------------------ ----------------- ------------------------------ ',
      'cell1cell1cell1cell1cell1cell1 cell2cell2cell... cell3cell3cell3cell3cell3cell3 ',
      '',
    ]);
  });

  it('TestMakeTableWithTruncatedColumn: column3', () => {
    expect(lines(Table.withTruncatedColumn(cols, [row], 'column3', 80))).toEqual([
      'column1                        column2                        column3           ',
      '------------------------------ ------------------------------ ----------------- ',
      'cell1cell1cell1cell1cell1cell1 cell2cell2cell2cell2cell2cell2 cell3cell3cell... ',
      '',
    ]);
  });

  it('TestMakeTableWithTruncatedColumn: multiple columns truncated (maxColWidth (80-16)/4 = 16)', () => {
    const t = Table.withTruncatedColumn(
      ['Name', 'Age', 'Email', 'City', 'Bio'],
      [['alice@example.org__', '30', 'bob@example.org____', 'NY', 'likes long walks____']],
      'Bio',
      80,
    );
    const out = lines(t);
    expect(out).toEqual([
      'Name                Age  Email               City Bio                  ',
      '------------------- ---  ------------------- ---- -------------------- ',
      'alice@example.or... 30   bob@example.org_... NY   likes long walks____ ',
      '',
    ]);
    expect(out[2]).toHaveLength(71);
  });

  it('TestMakeTableWithTruncatedColumn: no column match', () => {
    const out = lines(Table.withTruncatedColumn(cols, [row], 'no column match', 80));
    expect(out).toEqual([
      'column1                        column2                        column3                        ',
      '------------------------------ ------------------------------ ------------------------------ ',
      'cell1cell1cell1cell1cell1cell1 cell2cell2cell2cell2cell2cell2 cell3cell3cell3cell3cell3cell3 ',
      '',
    ]);
    expect(out[2]).toHaveLength(93);
  });
});

describe('Table: bytes and runes (table.go len(), tabwriter utf8.RuneCount)', () => {
  it('dash rows and truncation count bytes; padding counts runes', () => {
    // "héllo" is 6 bytes, 5 runes: dashes 6, column width 6+1, the cell padded by 7-5 = 2.
    const t = new Table([{ title: 'Name' }, { title: 'X' }]);
    t.addRow(['héllo', 'a']);
    expect(t.toString()).toBe('Name   X    \n------ -    \nhéllo  a    \n');
  });

  it('headless tables pad to the widest cell in runes', () => {
    const t = Table.headless(2);
    t.addRow(['日本語日本', 'x']);
    // 5 runes (15 bytes): width max(5, 5+1) = 6.
    expect(t.toString()).toBe('日本語日本 x    \n');
  });

  it('cell[:MaxCellLength] may cut a character: the bytes written are the cut bytes', () => {
    // "Labels" is capped at 80 - (len("Name")+1) - len("... ") = 71 bytes: 70 × "a" then "é" (c3 a9)
    // is cut after c3. Dashes: 71+3 = 74, column width 75; the cut cell is 70 + 1 (the lone c3 byte
    // counts one rune) + 3 = 74 runes, so one space of padding.
    const cell = `${'a'.repeat(70)}é${'b'.repeat(10)}`;
    const t = Table.withTruncatedColumn(['Name', 'Labels'], [['n', cell]], 'Labels', 80);
    const out = t.toBuffer().toString('latin1').split('\n');
    expect(out[1]).toBe(`---- ${'-'.repeat(74)} `);
    expect(out[2]).toBe(`n    ${'a'.repeat(70)}\xc3... `);
  });

  it('runeCount follows utf8.RuneCount (invalid bytes count one each)', () => {
    expect(runeCount(byteString('héllo'))).toBe(5);
    expect(runeCount('\xe2\x82')).toBe(2); // a 3-byte sequence cut after 2 bytes
    expect(runeCount('\xe2\x82\xac')).toBe(1); // "€"
    expect(runeCount('\xc0\x80')).toBe(2); // overlong: invalid
    expect(runeCount('\xed\xa0\x80')).toBe(3); // surrogate: invalid
  });

  it('widths come from every row, however late it is added', () => {
    const t = Table.withTruncatedColumn(['Node Name', 'Address', 'Labels'], [], 'Labels', 80);
    t.addRow(['a', '10.0.0.1:3022', 'env=dev']);
    t.addRow(['a-much-longer-hostname', '10.0.0.2:3022', 'env=prod']);
    expect(t.toString()).toBe(
      'Node Name              Address       Labels   \n' +
        '---------------------- ------------- -------- \n' +
        'a                      10.0.0.1:3022 env=dev  \n' +
        'a-much-longer-hostname 10.0.0.2:3022 env=prod \n',
    );
  });

  it('rows laid out ahead (renderAhead) are laid out again when a later row changes the widths', () => {
    const make = (ahead: boolean) => {
      const t = Table.withTruncatedColumn(['Node Name', 'Address', 'Labels'], [], 'Labels', 80);
      if (ahead) t.renderAhead();
      t.addRow(['b', '10.0.0.1:3022', 'env=dev']);
      t.addRow(['a', '10.0.0.1:3022', 'env=dev']);
      t.addRow(['c-much-longer-hostname', '10.0.0.2:3022', 'env=prod,team=x']);
      t.addRow(['b', '10.0.0.1:3022', 'env=dev']);
      t.sortRows();
      return t.toString();
    };
    expect(make(true)).toBe(make(false));
    expect(make(true)).toBe(
      'Node Name              Address       Labels          \n' +
        '---------------------- ------------- --------------- \n' +
        'a                      10.0.0.1:3022 env=dev         \n' +
        'b                      10.0.0.1:3022 env=dev         \n' +
        'b                      10.0.0.1:3022 env=dev         \n' +
        'c-much-longer-hostname 10.0.0.2:3022 env=prod,team=x \n',
    );
  });

  it('sortRows orders by the first cell in byte order (Go "<"), a prefix first', () => {
    const t = new Table([{ title: 'Node Name' }, { title: 'Address' }]);
    for (const h of ['web-1', 'web', 'Web', 'wéb', 'web.x']) t.addRow([h, '']);
    t.sortRows();
    expect(
      lines(t)
        .slice(2, 7)
        .map((l) => l.trimEnd()),
    ).toEqual([
      'Web',
      'web',
      'web-1',
      'web.x',
      'w\xc3\xa9b', // 0xc3 sorts after every ASCII byte
    ]);
  });

  it('an empty truncated table is its header', () => {
    // Labels cap 80-10-8-4 = 58 > len("Labels"): dashes 6, width 7.
    const t = Table.withTruncatedColumn(['Node Name', 'Address', 'Labels'], [], 'Labels', 80);
    expect(t.toString()).toBe('Node Name Address Labels \n--------- ------- ------ \n');
  });
});

describe('stdinTerminalWidth (term.GetSize(os.Stdin.Fd()), 80 when unknown)', () => {
  it('80 unless stdin is a terminal', () => {
    expect(stdinTerminalWidth(undefined)).toBe(80);
    expect(stdinTerminalWidth({ isTTY: false, columns: 200 })).toBe(80);
    expect(stdinTerminalWidth({ isTTY: true, columns: 0 })).toBe(80);
  });

  it("a terminal's width, from the stream or from its TTY handle", () => {
    expect(stdinTerminalWidth({ isTTY: true, columns: 132 })).toBe(132);
    const handle = {
      getWindowSize(size: number[]) {
        size[0] = 101;
        size[1] = 40;
        return 0;
      },
    };
    expect(stdinTerminalWidth({ isTTY: true, _handle: handle })).toBe(101);
    expect(stdinTerminalWidth({ isTTY: true, _handle: { getWindowSize: () => -9 } })).toBe(80);
  });
});
