// Which command a command line runs (only that one is registered, for startup speed).
import { describe, expect, it } from 'vitest';
import { commandName } from '../../../src/cli/main.js';

describe('commandName', () => {
  it.each([
    [['version'], 'version'],
    [['--proxy', 'ls', 'status'], 'status'],
    [['--proxy=p:3080', '-d', 'ssh', 'host', 'ls'], 'ssh'],
    [['-l', 'root', 'ssh', 'host'], 'ssh'],
    [['recording', 'ls'], 'recordings'],
    [['apps', 'ls'], 'apps'],
    [[], undefined],
    [['--help'], undefined],
    [['help', 'ssh'], undefined],
    [['bogus'], undefined],
  ])('%j -> %s', (argv, want) => {
    expect(commandName(argv as string[])).toBe(want);
  });
});
