// ssh's forward specs: -L/-R `[bind_address:]port:host:hostport` and -D `[bind_address:]port`.
import { describe, expect, it } from 'vitest';
import { parseDynamicForward, parseForwardSpec } from '../../../src/ssh/forward.js';
import { TshError } from '../../../src/util/errors.js';

describe('parseForwardSpec', () => {
  it('reads port:host:hostport, listening on 127.0.0.1 (ssh -L default)', () => {
    expect(parseForwardSpec('8080:localhost:80')).toEqual({
      bindHost: '127.0.0.1',
      bindPort: 8080,
      host: 'localhost',
      port: 80,
    });
  });

  it('reads a bind address, and an empty one as 127.0.0.1', () => {
    expect(parseForwardSpec('0.0.0.0:8080:web.internal:8000', '-L')).toEqual({
      bindHost: '0.0.0.0',
      bindPort: 8080,
      host: 'web.internal',
      port: 8000,
    });
    expect(parseForwardSpec(':8080:web:80')).toEqual({
      bindHost: '127.0.0.1',
      bindPort: 8080,
      host: 'web',
      port: 80,
    });
  });

  it('takes -R specs the same way', () => {
    expect(parseForwardSpec('9000:127.0.0.1:3000', '-R')).toEqual({
      bindHost: '127.0.0.1',
      bindPort: 9000,
      host: '127.0.0.1',
      port: 3000,
    });
    expect(parseForwardSpec('localhost:0:db:5432', '-R')).toEqual({
      bindHost: 'localhost',
      bindPort: 0,
      host: 'db',
      port: 5432,
    });
  });

  it('rejects the wrong number of fields with the expected form, naming the flag', () => {
    expect(() => parseForwardSpec('8080:web')).toThrow(
      'invalid -L "8080:web"; expected [bind_address:]port:host:hostport',
    );
    expect(() => parseForwardSpec('a:b:c:d:e', '-R')).toThrow(
      'invalid -R "a:b:c:d:e"; expected [bind_address:]port:host:hostport',
    );
    expect(() => parseForwardSpec('')).toThrow('invalid -L ""; expected [bind_address:]port:host:hostport');
  });

  it('rejects ports that are not 0-65535 whole numbers', () => {
    expect(() => parseForwardSpec('http:web:80')).toThrow('invalid port in -L http:web:80');
    expect(() => parseForwardSpec('8080:web:65536')).toThrow('invalid port in -L 8080:web:65536');
    expect(() => parseForwardSpec('8080:web:', '-R')).toThrow('invalid port in -R 8080:web:');
    expect(() => parseForwardSpec('127.0.0.1:-1:web:80')).toThrow('invalid port in -L 127.0.0.1:-1:web:80');
    expect(() => parseForwardSpec('1.5:web:80')).toThrow('invalid port in -L 1.5:web:80');
  });

  it('throws bad-parameter TshErrors', () => {
    try {
      parseForwardSpec('nope');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TshError);
      expect((err as TshError).kind).toBe('bad-parameter');
    }
  });
});

describe('parseDynamicForward', () => {
  it('reads a port, listening on 127.0.0.1', () => {
    expect(parseDynamicForward('1080')).toEqual({ bindHost: '127.0.0.1', bindPort: 1080 });
    expect(parseDynamicForward(':1080')).toEqual({ bindHost: '127.0.0.1', bindPort: 1080 });
  });

  it('reads a bind address', () => {
    expect(parseDynamicForward('0.0.0.0:1080')).toEqual({ bindHost: '0.0.0.0', bindPort: 1080 });
    expect(parseDynamicForward('localhost:0')).toEqual({ bindHost: 'localhost', bindPort: 0 });
  });

  it('rejects anything else', () => {
    for (const spec of ['', 'socks', 'localhost:', '1080:', '65536', '-1', 'host:10.5']) {
      expect(() => parseDynamicForward(spec)).toThrow(`invalid -D "${spec}"; expected [bind_address:]port`);
    }
  });
});
