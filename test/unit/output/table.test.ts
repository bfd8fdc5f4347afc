// asciitable layout (Go text/tabwriter: minwidth 5, padding 1) and tsh's label helpers.
import { describe, expect, it } from 'vitest';
import { labelsString, sortedLabels } from '../../../src/output/labels.js';
import { Table } from '../../../src/output/table.js';

describe('Table', () => {
  it('pads every cell to the column width + 1, header and dashes included', () => {
    const t = new Table([{ title: 'Name' }, { title: 'Address' }]);
    t.addRow(['a', '10.0.0.1:22']);
    t.addRow(['longer-name', 'x']);
    expect(t.toString()).toBe(
      'Name        Address     \n' +
        '----------- ----------- \n' +
        'a           10.0.0.1:22 \n' +
        'longer-name x           \n',
    );
  });

  it('minimum cell width is 5 (tabwriter minwidth)', () => {
    const t = new Table([{ title: 'A' }, { title: 'B' }]);
    t.addRow(['1', '2']);
    expect(t.toString()).toBe('A    B    \n-    -    \n1    2    \n');
  });

  it('headless tables have no header or dashes; extra cells are dropped', () => {
    const t = Table.headless(2);
    t.addRow(['a', 'b', 'c']);
    expect(t.toString()).toBe('a    b    \n');
  });

  it('truncates the named column to the terminal width with "..."', () => {
    const labels = 'k'.repeat(100);
    const t = Table.withTruncatedColumn(
      ['Node Name', 'Address', 'Labels'],
      [['n1', '1.2.3.4:3022', labels]],
      'Labels',
      80,
    );
    const out = t.toString().split('\n');
    // 80 - (len("Node Name")+1) - (len("1.2.3.4:3022")+1) - len("... ") = 53 kept characters.
    expect(out[2]).toBe(`n1        1.2.3.4:3022 ${'k'.repeat(53)}... `);
    expect(out[1]).toBe(`--------- ------------ ${'-'.repeat(56)} `);
  });

  it('cuts other columns wider than their share', () => {
    const long = 'x'.repeat(40);
    // Three columns at 80: each other column gets (80 - 16) / 2 = 32 characters.
    const t = Table.withTruncatedColumn(['Name', 'Addr', 'Labels'], [[long, 'a', 'a=b']], 'Labels', 80);
    expect(t.toString().split('\n')[2]).toBe(`${'x'.repeat(32)}... a    a=b    `);
  });

  it('pages keep the first page widths', () => {
    const t = new Table([{ title: 'Name' }, { title: 'Addr' }]);
    const first = t.page([['a', 'b']], true);
    const second = t.page([['much-longer', 'c']], false);
    expect(first).toBe('Name Addr \n---- ---- \na    b    \n');
    expect(second).toBe('much-longer c    \n');
  });
});

describe('labels', () => {
  it('sortedLabels: plain, then namespaced, then teleport.dev/', () => {
    expect(sortedLabels({ 'teleport.dev/origin': 'cfg', z: '1', 'a/b': 'x', a: '2' })).toBe(
      'a=2,z=1,a/b=x,teleport.dev/origin=cfg',
    );
    expect(sortedLabels({})).toBe('');
  });

  it('labelsString sorts all pairs', () => {
    expect(labelsString({ z: '1', 'a/b': 'x', a: '2' })).toBe('a/b=x,a=2,z=1');
  });
});
