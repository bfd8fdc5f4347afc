// scp operands and remote paths: `[user@]host:path` (as OpenSSH's scp reads it) and paths resolved
// from the login's home as SFTP's realpath(".") gives it.
import { describe, expect, it } from 'vitest';
import { parseRemotePath, resolveRemotePath } from '../../../src/ssh/sftp.js';

describe('parseRemotePath', () => {
  it('reads host:path and user@host:path', () => {
    expect(parseRemotePath('node:/tmp/x')).toEqual({ user: undefined, host: 'node', path: '/tmp/x' });
    expect(parseRemotePath('alice@node:file.txt')).toEqual({ user: 'alice', host: 'node', path: 'file.txt' });
    expect(parseRemotePath('node:')).toEqual({ user: undefined, host: 'node', path: '' });
    expect(parseRemotePath('node:~/a b')).toEqual({ user: undefined, host: 'node', path: '~/a b' });
  });

  it('keeps colons in the path after the first one', () => {
    expect(parseRemotePath('node:a:b')).toEqual({ user: undefined, host: 'node', path: 'a:b' });
  });

  it('splits the login at the last "@" and treats an empty one as none', () => {
    expect(parseRemotePath('a@b@node:p')).toEqual({ user: 'a@b', host: 'node', path: 'p' });
    expect(parseRemotePath('@node:p')).toEqual({ user: undefined, host: 'node', path: 'p' });
  });

  it('reads bracketed IPv6 hosts', () => {
    expect(parseRemotePath('[::1]:/tmp')).toEqual({ user: undefined, host: '::1', path: '/tmp' });
    expect(parseRemotePath('root@[fe80::1]:x')).toEqual({ user: 'root', host: 'fe80::1', path: 'x' });
    expect(parseRemotePath('[::1]/tmp')).toBeUndefined();
  });

  it('takes operands without a host before a colon as local', () => {
    for (const local of ['file.txt', './a:b', '/abs/a:b', 'dir/x:y', ':path', 'alice@node', 'alice@:p']) {
      expect(parseRemotePath(local), local).toBeUndefined();
    }
  });
});

describe('resolveRemotePath', () => {
  const home = '/home/alice';

  it('resolves "", "~" and "~/x" from the home directory', () => {
    expect(resolveRemotePath(home, '')).toBe('/home/alice');
    expect(resolveRemotePath(home, '~')).toBe('/home/alice');
    expect(resolveRemotePath(home, '~/x/y')).toBe('/home/alice/x/y');
  });

  it('resolves relative paths from home and keeps absolute ones', () => {
    expect(resolveRemotePath(home, 'docs/a.txt')).toBe('/home/alice/docs/a.txt');
    expect(resolveRemotePath(home, '../bob')).toBe('/home/bob');
    expect(resolveRemotePath(home, '/etc/hosts')).toBe('/etc/hosts');
    expect(resolveRemotePath(home, '/')).toBe('/');
  });
});
