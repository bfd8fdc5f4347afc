// tsh's proxy ssh target handling (cleanTargetHost, the [user@]host[:port] argument), the dial
// address, and ProxySSH dial failures as the proxy sends them and as we show them.
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { dialFailure } from '../../../src/devcluster/proxyssh.js';
import { cleanTargetHost, dialError, joinHostPort, parseUserHostPort } from '../../../src/ssh/dialhost.js';
import { nodeAddr } from '../../../src/ssh/session.js';
import { TshError } from '../../../src/util/errors.js';

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

describe('the dial address (lib/client/api.go GetTargetNodes: net.JoinHostPort(host, HostPort))', () => {
  it('host:port, 0 when no -p; IPv6 literals in brackets', () => {
    expect(nodeAddr({ host: 'web-1' })).toBe('web-1:0');
    expect(nodeAddr({ host: 'web-1', port: 22 })).toBe('web-1:22');
    expect(joinHostPort('::1', 0)).toBe('[::1]:0');
    expect(joinHostPort('10.0.0.7', '3022')).toBe('10.0.0.7:3022');
  });
});

const grpcErr = (code: status, details: string) =>
  Object.assign(new Error(`${code} ${details}`), { code, details, metadata: undefined });

describe('ProxySSH dial failures', () => {
  it('what the proxy sends (lib/proxy/router.go getServer, wrapped by transportv1 ProxySSH)', () => {
    // trace.ConnectionProblem(nil, "target host %s is offline or does not exist") -> Unavailable;
    // trace.Wrap(err, "failed to dial target host") renders as "<message>\n\t<cause>".
    expect(dialFailure('nope', 0)).toEqual({
      code: status.UNAVAILABLE,
      details: 'failed to dial target host\n\ttarget host nope is offline or does not exist',
    });
    // A UUID-like target: trace.NotFound("unable to locate node matching %s-like target %s", "UUID", host).
    expect(dialFailure('11111111-1111-4111-8111-111111111111', 0)).toEqual({
      code: status.NOT_FOUND,
      details:
        'failed to dial target host\n\tunable to locate node matching UUID-like target 11111111-1111-4111-8111-111111111111',
    });
    // Ambiguous: trace.Wrap(teleport.ErrNodeIsAmbiguous, teleport.NodeIsAmbiguous), returned unadorned.
    expect(dialFailure('web', 2)).toEqual({
      code: status.NOT_FOUND,
      details: 'ambiguous host could match multiple nodes\n\tambiguous host could match multiple nodes',
    });
    expect(dialFailure('web', 1)).toBeUndefined();
  });

  it("what we show: the proxy's cause on one line, the gRPC code kept for callers", () => {
    const gone = dialFailure('nope', 0)!;
    const e = dialError(grpcErr(gone.code, gone.details), 'nope:0');
    expect(e).toBeInstanceOf(TshError);
    expect(e.message).toBe('target host nope is offline or does not exist');
    expect((e as TshError).kind).toBe('connection-problem');
    const uuid = dialFailure('11111111-1111-4111-8111-111111111111', 0)!;
    const u = dialError(grpcErr(uuid.code, uuid.details), 'x:0') as TshError;
    expect([u.message, u.kind]).toEqual([
      'unable to locate node matching UUID-like target 11111111-1111-4111-8111-111111111111',
      'not-found',
    ]);
    const amb = dialFailure('web', 2)!;
    expect(dialError(grpcErr(amb.code, amb.details), 'web:0').message).toBe(
      'ambiguous host could match multiple nodes',
    );
  });

  it('other failures keep the usual gRPC rendering', () => {
    expect(dialError(grpcErr(status.UNAVAILABLE, 'No connection established'), 'web:0').message).toBe(
      'connect to web:0: cannot reach the cluster (No connection established)',
    );
    expect(dialError(grpcErr(status.UNIMPLEMENTED, 'unknown method ProxySSH'), 'web:0').message).toBe(
      'connect to web:0 is not supported by this cluster (unknown method ProxySSH)',
    );
  });
});
