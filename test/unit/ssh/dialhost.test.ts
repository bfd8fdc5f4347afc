// tsh's proxy ssh target handling: cleanTargetHost and the [user@]host[:port] argument.
import { describe, expect, it } from 'vitest';
import { cleanTargetHost, parseUserHostPort } from '../../../src/ssh/dialhost.js';

describe('cleanTargetHost', () => {
  it('strips ".<proxy host>" and then ".<cluster>"', () => {
    expect(cleanTargetHost('node.proxy.example.com', 'proxy.example.com', 'root')).toBe('node');
    expect(cleanTargetHost('node.root', 'proxy.example.com', 'root')).toBe('node');
    expect(cleanTargetHost('node.root.proxy.example.com', 'proxy.example.com', 'root')).toBe('node');
  });

  it('strips the proxy suffix before the cluster one, each at most once', () => {
    // tsh trims ".<proxy>" first, so a proxy suffix before the cluster one stays.
    expect(cleanTargetHost('node.proxy.example.com.root', 'proxy.example.com', 'root')).toBe(
      'node.proxy.example.com',
    );
    expect(cleanTargetHost('node.root.root', 'proxy', 'root')).toBe('node.root');
  });

  it('leaves other names alone', () => {
    expect(cleanTargetHost('node', 'proxy.example.com', 'root')).toBe('node');
    expect(cleanTargetHost('noderoot', 'proxy', 'root')).toBe('noderoot');
    expect(cleanTargetHost('proxy.example.com', 'proxy.example.com', 'root')).toBe('proxy.example.com');
    expect(cleanTargetHost('node.other', '', '')).toBe('node.other');
  });
});

describe('parseUserHostPort', () => {
  it('reads host, user@host and host:port', () => {
    expect(parseUserHostPort('node')).toEqual({ user: undefined, host: 'node', port: undefined });
    expect(parseUserHostPort('alice@node')).toEqual({ user: 'alice', host: 'node', port: undefined });
    expect(parseUserHostPort('alice@node.example.com:3022')).toEqual({
      user: 'alice',
      host: 'node.example.com',
      port: 3022,
    });
    expect(parseUserHostPort('node:0')).toEqual({ user: undefined, host: 'node', port: 0 });
  });

  it('splits the user at the last "@"; an empty one is none', () => {
    expect(parseUserHostPort('a@b@node:22')).toEqual({ user: 'a@b', host: 'node', port: 22 });
    expect(parseUserHostPort('@node')).toEqual({ user: undefined, host: 'node', port: undefined });
  });

  it('reads bracketed IPv6 hosts', () => {
    expect(parseUserHostPort('[::1]:22')).toEqual({ user: undefined, host: '::1', port: 22 });
    expect(parseUserHostPort('root@[fe80::1]')).toEqual({ user: 'root', host: 'fe80::1', port: undefined });
  });

  it('rejects malformed targets and ports', () => {
    expect(() => parseUserHostPort('node:ssh')).toThrow(
      'invalid target "node:ssh"; expected [user@]host[:port]',
    );
    expect(() => parseUserHostPort('a:b:c')).toThrow('invalid target "a:b:c"; expected [user@]host[:port]');
    expect(() => parseUserHostPort('alice@')).toThrow('invalid target "alice@"; expected [user@]host[:port]');
    expect(() => parseUserHostPort('::1')).toThrow('invalid target "::1"');
    expect(() => parseUserHostPort('node:65536')).toThrow('invalid port in "node:65536"');
  });
});
