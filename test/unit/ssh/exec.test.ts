// tsh ssh's [user@]host target, labelled fan-out output and its texts.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LABELED_LINE_LENGTH,
  LineLabeler,
  MULTIPLE_NODES_WARNING,
  commandResults,
  pickingFirstWarning,
  splitTarget,
} from '../../../src/ssh/exec.js';

describe('splitTarget', () => {
  it('reads host and user@host', () => {
    expect(splitTarget('node')).toEqual({ host: 'node' });
    expect(splitTarget('alice@node')).toEqual({ user: 'alice', host: 'node' });
    expect(splitTarget('root@10.0.0.7')).toEqual({ user: 'root', host: '10.0.0.7' });
  });

  it('splits at the last "@" (logins may contain one)', () => {
    expect(splitTarget('alice@example.com@node')).toEqual({ user: 'alice@example.com', host: 'node' });
  });

  it('treats an empty login as none and keeps an empty host for the caller to reject', () => {
    expect(splitTarget('@node')).toEqual({ user: undefined, host: 'node' });
    expect(splitTarget('alice@')).toEqual({ user: 'alice', host: '' });
    expect(splitTarget('')).toEqual({ host: '' });
  });

  it('keeps label selectors and host:port as the host', () => {
    expect(splitTarget('root@env=prod,team=web')).toEqual({ user: 'root', host: 'env=prod,team=web' });
    expect(splitTarget('alice@node:22')).toEqual({ user: 'alice', host: 'node:22' });
  });
});

// lib/client/client.go lineLabeledWriter; the cases and expected bytes are upstream's
// TestLineLabeledWriter (lib/client/client_test.go).
describe('LineLabeler (lineLabeledWriter)', () => {
  const cases: { name: string; inputs: string[]; lineLength?: number; expected: string }[] = [
    {
      name: 'typical input',
      inputs: ['this is\nsome test\ninput'],
      expected: '[label] this is\n[label] some test\n[label] input\n',
    },
    {
      name: "don't add empty line at end",
      inputs: ['dangling newline\n'],
      expected: '[label] dangling newline\n',
    },
    {
      name: 'blank lines in middle',
      inputs: ['this\n\nis\n\nsome input'],
      expected: '[label] this\n[label] \n[label] is\n[label] \n[label] some input\n',
    },
    {
      name: 'line break between writes',
      inputs: ['line 1\n', 'line 2\n'],
      expected: '[label] line 1\n[label] line 2\n',
    },
    {
      name: 'line break immediately on second write',
      inputs: ['line 1', '\nline 2'],
      expected: '[label] line 1\n[label] line 2\n',
    },
    {
      name: 'line continues between writes',
      inputs: ['this is all ', 'one continuous line ', 'until\nnow'],
      expected: '[label] this is all one continuous line until\n[label] now\n',
    },
    {
      name: 'long lines wrapped',
      inputs: ['1234\nabcdefghijklmnopqrstuvwxyz\n1234'],
      lineLength: 16,
      expected:
        '[label] 1234\n[label] abcdefgh\n[label] ijklmnop\n[label] qrstuvwx\n[label] yz\n[label] 1234\n',
    },
    {
      name: 'exact length lines',
      inputs: ['abcdefgh', '\nijklmnop'],
      lineLength: 16,
      expected: '[label] abcdefgh\n[label] ijklmnop\n',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const chunks: Buffer[] = [];
      const w = new LineLabeler({ write: (b: Buffer) => chunks.push(b) } as never, 'label', c.lineLength);
      for (const i of c.inputs) w.write(Buffer.from(i));
      w.end();
      expect(Buffer.concat(chunks).toString()).toBe(c.expected);
      // Only whole lines reach the sink.
      for (const b of chunks) expect(b.at(-1)).toBe(0x0a);
    });
  }

  it('counts bytes, not characters, and refuses a length that leaves no room (newLineLabeledWriter)', () => {
    const chunks: Buffer[] = [];
    const w = new LineLabeler({ write: (b: Buffer) => chunks.push(b) } as never, 'h', 8);
    w.write(Buffer.from('ééé'));
    w.end();
    expect(Buffer.concat(chunks)).toEqual(
      Buffer.concat([Buffer.from('[h] '), Buffer.from('éé'), Buffer.from('\n[h] é\n')]),
    );
    expect(() => new LineLabeler({ write: () => true } as never, 'label', 8)).toThrow(
      'maxLineLength of 8 is too short',
    );
    expect(DEFAULT_LABELED_LINE_LENGTH).toBe(1024);
  });
});

// lib/client/api.go runShellOrCommandOnMultipleNodes and writeCommandResults.
describe('fan-out texts', () => {
  it('the warnings are always bold (fmt.Printf with \\x1b[1m…\\x1b[0m, whatever stdout is)', () => {
    expect(MULTIPLE_NODES_WARNING).toBe(
      '\x1b[1mWARNING\x1b[0m: Multiple nodes matched label selector, running command on all.\n',
    );
    expect(pickingFirstWarning('11111111-1111-4111-8111-111111111111:0')).toBe(
      '\x1b[1mWARNING\x1b[0m: Multiple nodes match the label selector, picking first: "11111111-1111-4111-8111-111111111111:0"\n',
    );
  });

  it('writeCommandResults: blank line, one line per node in completion order, the counts', () => {
    expect(
      commandResults([
        { name: 'web-2', exitCode: 0 },
        { name: 'web-1', exitCode: 3 },
      ]),
    ).toBe('\n[web-2] success\n[web-1] failed with exit code 3\n\n1 host(s) succeeded; 1 host(s) failed\n');
    expect(commandResults([])).toBe('\n\n0 host(s) succeeded; 0 host(s) failed\n');
  });
});
