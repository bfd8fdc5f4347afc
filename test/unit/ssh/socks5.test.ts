// SOCKS5 request codec (RFC 1928) and the server against a real client exchange.
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { REPLY, parseRequest, reply, socksServer } from '../../../src/ssh/socks5.js';

describe('SOCKS5 codec', () => {
  it('parses IPv4, domain and IPv6 CONNECT requests', () => {
    expect(parseRequest(Buffer.from([5, 1, 0, 1, 10, 0, 0, 7, 0x1f, 0x90]))).toEqual({
      host: '10.0.0.7',
      port: 8080,
      length: 10,
    });
    const name = Buffer.from('example.com');
    expect(
      parseRequest(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, Buffer.from([0, 80])])),
    ).toEqual({
      host: 'example.com',
      port: 80,
      length: 18,
    });
    const v6 = Buffer.concat([
      Buffer.from([5, 1, 0, 4]),
      Buffer.from('00010000000000000000000000000001', 'hex'),
      Buffer.from([1, 187]),
    ]);
    expect(parseRequest(v6)).toEqual({ host: '1:0:0:0:0:0:0:1', port: 443, length: 22 });
  });

  it('waits for complete requests and rejects unsupported ones', () => {
    expect(parseRequest(Buffer.from([5, 1, 0, 1, 10]))).toBeUndefined();
    expect(parseRequest(Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0]))).toEqual({
      error: REPLY.commandNotSupported,
    });
    expect(parseRequest(Buffer.from([4, 1, 0, 1, 0, 0, 0, 0, 0, 0]))).toEqual({ error: REPLY.failure });
    expect(parseRequest(Buffer.from([5, 1, 0, 9, 0, 0]))).toEqual({ error: REPLY.addressNotSupported });
  });

  it('encodes replies', () => {
    expect(reply(0).toString('hex')).toBe('05000001000000000000');
  });
});

describe('SOCKS5 server', () => {
  it('greeting, CONNECT by domain, then bytes both ways', async () => {
    const echo = net.createServer((s) => s.on('data', (c) => s.write(c.toString().toUpperCase())));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const echoPort = (echo.address() as net.AddressInfo).port;
    const srv = socksServer(
      (host, port) =>
        new Promise((resolve, reject) => {
          const s = net.connect(port, host === 'echo.test' ? '127.0.0.1' : host, () => resolve(s));
          s.on('error', reject);
        }),
    );
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    const c = net.connect(port, '127.0.0.1');
    const read = (n: number) =>
      new Promise<Buffer>((resolve) => {
        let b = Buffer.alloc(0);
        const on = (d: Buffer) => {
          b = Buffer.concat([b, d]);
          if (b.length >= n) {
            c.off('data', on);
            resolve(b);
          }
        };
        c.on('data', on);
      });
    c.write(Buffer.from([5, 1, 0]));
    expect((await read(2)).toString('hex')).toBe('0500');
    const name = Buffer.from('echo.test');
    c.write(
      Buffer.concat([
        Buffer.from([5, 1, 0, 3, name.length]),
        name,
        Buffer.from([echoPort >> 8, echoPort & 0xff]),
      ]),
    );
    expect((await read(10))[1]).toBe(0);
    c.write('hello');
    expect((await read(5)).toString()).toBe('HELLO');
    c.destroy();
    srv.close();
    echo.close();
  });
});
