// tsh ssh's [user@]host target.
import { describe, expect, it } from 'vitest';
import { splitTarget } from '../../../src/ssh/exec.js';

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
