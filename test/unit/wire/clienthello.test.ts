import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ClientHelloError,
  parseClientHello,
  peekClientHello,
  type PeekOptions,
} from '../../../src/wire/clienthello.js';

const OPENSSL = '/usr/bin/openssl';
const SNI = '726f6f74.teleport.cluster.local';
const ALPN = ['teleport-auth@726f6f74.teleport.cluster.local', 'h2'];

// --- TLS wire helpers: integers and length-prefixed vectors (RFC 8446 §3) ---
const u8 = (n: number) => Buffer.from([n]);
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number) => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
const vec8 = (...parts: Buffer[]) => Buffer.concat([u8(Buffer.concat(parts).length), ...parts]);
const vec16 = (...parts: Buffer[]) => Buffer.concat([u16(Buffer.concat(parts).length), ...parts]);
const ascii = (s: string) => Buffer.from(s, 'latin1');

const extension = (type: number, data: Buffer) => Buffer.concat([u16(type), vec16(data)]);
// server_name (0): ServerNameList { name_type host_name(0), HostName<1..2^16-1> }
const sniExt = (host: string) => extension(0, vec16(u8(0), vec16(ascii(host))));
// ALPN (16): ProtocolNameList { ProtocolName<1..2^8-1> ... }
const alpnExt = (protocols: string[]) => extension(16, vec16(...protocols.map((p) => vec8(ascii(p)))));

function helloBody(extensions: Buffer[] | null): Buffer {
  return Buffer.concat([
    u16(0x0303), // legacy_version: TLS 1.2, as a TLS 1.3 client sends
    Buffer.alloc(32, 0xab), // random
    vec8(Buffer.alloc(32, 0xcd)), // legacy_session_id (32 bytes: middlebox compatibility mode)
    vec16(u16(0x1301), u16(0x1302), u16(0xc02b)), // cipher_suites
    vec8(u8(0)), // legacy_compression_methods: [null]
    ...(extensions ? [vec16(...extensions)] : []), // extensions<8..2^16-1>, optional before 1.3
  ]);
}
// Handshake { msg_type client_hello(1), uint24 length, body }
const handshake = (body: Buffer, type = 1) => Buffer.concat([u8(type), u24(body.length), body]);
// TLSPlaintext { type handshake(22), legacy_record_version, uint16 length, fragment }
const record = (fragment: Buffer, version = 0x0301, type = 22) =>
  Buffer.concat([u8(type), u16(version), u16(fragment.length), fragment]);

const EXTENSIONS = [
  sniExt(SNI),
  extension(43, vec8(u16(0x0304), u16(0x0303))), // supported_versions: TLS 1.3, 1.2
  alpnExt(ALPN),
  extension(0x0a0a, Buffer.alloc(0)), // a GREASE value: unknown types are skipped
];
const HANDSHAKE = handshake(helloBody(EXTENSIONS));
const HELLO = record(HANDSHAKE);

/** Splits a handshake message into records of the given fragment sizes (the rest goes last). */
function fragmented(hs: Buffer, ...sizes: number[]): Buffer {
  const out: Buffer[] = [];
  let off = 0;
  for (const size of sizes) out.push(record(hs.subarray(off, (off += size))));
  out.push(record(hs.subarray(off)));
  return Buffer.concat(out);
}

describe('parseClientHello: hand-built bytes', () => {
  it('reads SNI and ALPN', () => {
    // 5 record + 4 handshake + 2+32+33+8+2 fixed fields + 2+40+9+55+4 extensions
    expect(HELLO.length).toBe(196);
    expect(parseClientHello(HELLO)).toEqual({
      complete: true,
      serverName: SNI,
      alpn: ALPN,
      length: HELLO.length,
    });
  });

  it('is incomplete at every byte boundary, and complete once all bytes are there', () => {
    for (let i = 0; i < HELLO.length; i++) {
      const r = parseClientHello(HELLO.subarray(0, i));
      expect(r.complete, `prefix ${i}`).toBe(false);
      if (r.complete) continue;
      // `need` is a lower bound: it never overshoots the real end.
      expect(r.need).toBeGreaterThan(0);
      expect(i + r.need!).toBeLessThanOrEqual(HELLO.length);
      const joined = Buffer.concat([HELLO.subarray(0, i), HELLO.subarray(i)]);
      expect(parseClientHello(joined)).toMatchObject({ complete: true, serverName: SNI, alpn: ALPN });
    }
  });

  it('reassembles a ClientHello fragmented across records', () => {
    const two = fragmented(HANDSHAKE, 100);
    expect(parseClientHello(two)).toEqual({
      complete: true,
      serverName: SNI,
      alpn: ALPN,
      length: two.length,
    });
    for (let i = 0; i < two.length; i++) expect(parseClientHello(two.subarray(0, i)).complete).toBe(false);

    // Split inside the 4-byte handshake header, and one byte per record.
    const early = fragmented(HANDSHAKE, 2);
    expect(parseClientHello(early)).toMatchObject({ complete: true, alpn: ALPN, length: early.length });
    const bytewise = fragmented(HANDSHAKE, ...Array<number>(HANDSHAKE.length - 1).fill(1));
    expect(parseClientHello(bytewise)).toMatchObject({
      complete: true,
      serverName: SNI,
      length: bytewise.length,
    });
  });

  it('stops at the end of the ClientHello record', () => {
    const withEarlyData = Buffer.concat([HELLO, record(Buffer.from('0-rtt'), 0x0303, 23)]);
    expect(parseClientHello(withEarlyData)).toMatchObject({ complete: true, length: HELLO.length });
  });

  it('handles no extensions, and no SNI/ALPN', () => {
    for (const hello of [record(handshake(helloBody(null))), record(handshake(helloBody([])))]) {
      expect(parseClientHello(hello)).toEqual({
        complete: true,
        serverName: undefined,
        alpn: [],
        length: hello.length,
      });
    }
  });
});

describe('parseClientHello: malformed input', () => {
  const withExts = (...exts: Buffer[]) => record(handshake(helloBody(exts)));
  const withBody = (body: Buffer) => record(handshake(body));
  const fixed = helloBody([]).subarray(0, 2 + 32 + 33 + 8 + 2); // everything before extensions
  const cases: [string, Buffer, RegExp][] = [
    ['SSH banner', Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'), /first byte 0x16 expected, got 0x53/],
    ['HTTP request', Buffer.from('GET / HTTP/1.1\r\n'), /got 0x47/],
    ['record version 0x0305', record(HANDSHAKE, 0x0305), /record version .* got 0x0305/],
    ['record version 0x0200', Buffer.from([22, 2, 0]), /got 0x0200/],
    ['handshake type 2', record(handshake(helloBody([]), 2)), /handshake type 2/],
    ['zero-length record', Buffer.from([22, 3, 1, 0, 0]), /record length 0/],
    ['oversized record', Buffer.from([22, 3, 1, 0x40, 1]), /record length 16385/],
    [
      'alert between fragments',
      Buffer.concat([record(HANDSHAKE.subarray(0, 10)), record(u16(0x0228), 0x0303, 21)]),
      /content type 21/,
    ],
    [
      'body shorter than random',
      withBody(Buffer.concat([u16(0x0303), Buffer.alloc(20)])),
      /random truncated/,
    ],
    ['legacy_version 0x0200', withBody(Buffer.concat([u16(0x0200), fixed.subarray(2)])), /legacy_version/],
    [
      'session id of 33 bytes',
      withBody(
        Buffer.concat([u16(0x0303), Buffer.alloc(32), vec8(Buffer.alloc(33)), vec16(u16(1)), vec8(u8(0))]),
      ),
      /longer than 32/,
    ],
    [
      'odd cipher_suites',
      withBody(Buffer.concat([u16(0x0303), Buffer.alloc(32), vec8(), vec16(u8(1)), vec8(u8(0))])),
      /cipher_suites length 1/,
    ],
    [
      'no compression methods',
      withBody(Buffer.concat([u16(0x0303), Buffer.alloc(32), vec8(), vec16(u16(1)), vec8()])),
      /compression_methods/,
    ],
    [
      'extensions block truncated',
      withBody(Buffer.concat([fixed, u16(500), sniExt(SNI)])),
      /extensions truncated/,
    ],
    [
      'extension length truncated',
      withExts(Buffer.concat([u16(16), u16(200), u16(3), vec8(ascii('h2'))])),
      /extension 16 truncated/,
    ],
    [
      'half an extension header',
      withBody(Buffer.concat([fixed, vec16(u16(16), u8(0))])),
      /extension 16 length truncated/,
    ],
    [
      'trailing byte after extensions',
      withBody(Buffer.concat([fixed, vec16(alpnExt(['h2'])), u8(0)])),
      /after extensions/,
    ],
    ['duplicate extension', withExts(alpnExt(['h2']), alpnExt(['h2'])), /duplicate extension 16/],
    [
      'ALPN list longer than data',
      withExts(extension(16, Buffer.concat([u16(20), vec8(ascii('h2'))]))),
      /protocol_name_list truncated/,
    ],
    [
      'ALPN list shorter than data',
      withExts(extension(16, Buffer.concat([u16(3), vec8(ascii('h2')), vec8(ascii('x'))]))),
      /after protocol_name_list/,
    ],
    [
      'ALPN protocol longer than list',
      withExts(extension(16, vec16(u8(9), ascii('h2')))),
      /protocol name truncated/,
    ],
    [
      'zero-length ALPN protocol',
      withExts(extension(16, vec16(vec8(ascii('h2')), u8(0)))),
      /empty ALPN protocol name/,
    ],
    ['empty ALPN list', withExts(extension(16, vec16())), /empty protocol_name_list/],
    ['empty server_name_list', withExts(extension(0, vec16())), /empty server_name_list/],
    [
      'host_name truncated',
      withExts(extension(0, vec16(u8(0), u16(40), ascii('x')))),
      /server name truncated/,
    ],
    ['host_name with a space', withExts(sniExt('a b')), /not printable ASCII/],
    [
      'two host_names',
      withExts(extension(0, vec16(u8(0), vec16(ascii('a')), u8(0), vec16(ascii('b'))))),
      /more than one/,
    ],
  ];

  it.each(cases)('%s', (_name, bytes, message) => {
    expect(() => parseClientHello(bytes)).toThrow(ClientHelloError);
    expect(() => parseClientHello(bytes)).toThrow(message);
  });

  it('never throws anything but ClientHelloError on mutated input', () => {
    let seed = 1;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    for (let i = 0; i < 5000; i++) {
      const bytes = Buffer.from(HELLO);
      for (let k = 1 + rand(3); k > 0; k--) bytes[5 + rand(bytes.length - 5)] = rand(256);
      const cut = bytes.subarray(0, rand(4) === 0 ? rand(bytes.length) : bytes.length);
      try {
        parseClientHello(cut);
      } catch (err) {
        expect(err).toBeInstanceOf(ClientHelloError);
      }
    }
  });
});

// --- real peers ---

const listen = async (server: net.Server): Promise<number> => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
};

/** Starts a client against a plain TCP listener and returns the first flight it sends. */
async function capture(startClient: (port: number) => () => void): Promise<Buffer> {
  const server = net.createServer();
  const port = await listen(server);
  let accepted: net.Socket | undefined;
  const got = new Promise<Buffer>((resolve, reject) => {
    server.once('connection', (sock) => {
      accepted = sock;
      let buf = Buffer.alloc(0);
      sock.on('error', () => {});
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        try {
          if (parseClientHello(buf).complete) resolve(buf);
        } catch (err) {
          reject(err);
        }
      });
    });
  });
  const stop = startClient(port);
  try {
    return await got;
  } finally {
    stop();
    accepted?.destroy();
    server.close();
  }
}

const nodeClient = (options: tls.ConnectionOptions) => (port: number) => {
  const c = tls.connect({ host: '127.0.0.1', port, ...options });
  c.on('error', () => {});
  return () => c.destroy();
};

describe('parseClientHello: real clients', () => {
  it('Node tls.connect with SNI and ALPN (TLS 1.3 and 1.2)', async () => {
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      const bytes = await capture(nodeClient({ servername: SNI, ALPNProtocols: ALPN, maxVersion }));
      expect(parseClientHello(bytes)).toEqual({
        complete: true,
        serverName: SNI,
        alpn: ALPN,
        length: bytes.length,
      });
    }
  });

  it('openssl s_client', async () => {
    const bytes = await capture((port) => {
      const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-alpn', 'teleport-proxy-ssh-grpc,h2'];
      const child = spawn(OPENSSL, [...args, '-servername', 'x.example', '-brief'], {
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      child.stdin.end('');
      return () => child.kill();
    });
    expect(parseClientHello(bytes)).toEqual({
      complete: true,
      serverName: 'x.example',
      alpn: ['teleport-proxy-ssh-grpc', 'h2'],
      length: bytes.length,
    });
  });

  it('a client without SNI or ALPN', async () => {
    const bytes = await capture(nodeClient({})); // Node sends no SNI when the host is an IP address
    expect(parseClientHello(bytes)).toEqual({
      complete: true,
      serverName: undefined,
      alpn: [],
      length: bytes.length,
    });
  });
});

// --- peekClientHello ---

const dir = mkdtempSync(join(tmpdir(), 'clienthello-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let key: Buffer;
let cert: Buffer;
beforeAll(() => {
  const subj = ['-subj', '/CN=localhost', '-days', '1', '-keyout', 'k', '-out', 'c'];
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', ...subj];
  execFileSync(OPENSSL, args, { cwd: dir, stdio: 'ignore' });
  key = readFileSync(join(dir, 'k'));
  cert = readFileSync(join(dir, 'c'));
});

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

/** A server that accepts one connection and a raw TCP client connected to it. */
async function tcpPair(): Promise<{ sock: net.Socket; client: net.Socket }> {
  const server = net.createServer();
  const port = await listen(server);
  const accepted = once(server, 'connection');
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => {});
  const [sock] = (await accepted) as [net.Socket];
  cleanups.push(() => {
    client.destroy();
    sock.destroy();
    server.close();
  });
  return { sock, client };
}

const listenerCounts = (s: net.Socket) =>
  ['data', 'end', 'close', 'error', 'readable'].map((e) => `${e}:${s.listenerCount(e)}`).join(' ');

/** A router that peeks, then hands the socket on; and a TLS client talking through it. */
async function throughRouter(handOff: (sock: net.Socket) => void) {
  const peeked: { serverName?: string; alpn: string[]; head: Buffer; listeners: boolean }[] = [];
  const router = net.createServer((sock) => {
    const before = listenerCounts(sock);
    peekClientHello(sock).then(
      (info) => {
        peeked.push({ ...info, listeners: listenerCounts(sock) === before });
        handOff(sock);
      },
      () => sock.destroy(),
    );
  });
  const port = await listen(router);
  cleanups.push(() => router.close());
  const client = tls.connect({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ALPNProtocols: ['teleport-auth@x', 'h2'],
    ca: cert,
  });
  cleanups.push(() => client.destroy());
  await once(client, 'secureConnect');
  client.write('ping');
  const [reply] = (await once(client, 'data')) as [Buffer];
  return { peeked, client, reply: reply.toString() };
}

const echoServer = () =>
  tls.createServer({ key, cert, ALPNProtocols: ['h2'] }, (s) => {
    s.on('data', (d: Buffer) => s.write(`echo ${d} via ${s.alpnProtocol} for ${s.servername}`));
  });

describe('peekClientHello', () => {
  it('peeks, then a TLS server takes over the socket from its first byte', async () => {
    const tlsServer = echoServer();
    const { peeked, client, reply } = await throughRouter((sock) => tlsServer.emit('connection', sock));
    expect(reply).toBe('echo ping via h2 for localhost');
    expect(client.alpnProtocol).toBe('h2');
    expect(peeked).toHaveLength(1);
    expect(peeked[0]).toMatchObject({
      serverName: 'localhost',
      alpn: ['teleport-auth@x', 'h2'],
      listeners: true,
    });
    expect(parseClientHello(peeked[0].head)).toMatchObject({ complete: true, serverName: 'localhost' });
  });

  it('peeks, then forwards the raw bytes to an upstream TLS server', async () => {
    const upstream = echoServer();
    const upstreamPort = await listen(upstream);
    cleanups.push(() => upstream.close());
    const { reply } = await throughRouter((sock) => {
      const up = net.connect(upstreamPort, '127.0.0.1');
      up.on('error', () => sock.destroy());
      sock.on('error', () => up.destroy());
      sock.pipe(up).pipe(sock);
      cleanups.push(() => up.destroy());
    });
    expect(reply).toBe('echo ping via h2 for localhost');
  });

  it('waits for a ClientHello arriving in small pieces and leaves every byte unread', async () => {
    const { sock, client } = await tcpPair();
    client.setNoDelay(true);
    const peek = peekClientHello(sock);
    for (let i = 0; i < HELLO.length; i += 7) {
      client.write(HELLO.subarray(i, i + 7));
      await new Promise((r) => setTimeout(r, 1));
    }
    const info = await peek;
    expect(info).toEqual({ serverName: SNI, alpn: ALPN, head: HELLO });
    expect(sock.isPaused()).toBe(true);
    client.write('after');
    sock.resume();
    let seen = Buffer.alloc(0);
    for await (const chunk of sock as AsyncIterable<Buffer>) {
      seen = Buffer.concat([seen, chunk]);
      if (seen.length >= HELLO.length + 5) break;
    }
    expect(seen).toEqual(Buffer.concat([HELLO, Buffer.from('after')]));
  });

  const rejects = async (send: (client: net.Socket) => void, message: RegExp, opts?: PeekOptions) => {
    const { sock, client } = await tcpPair();
    const before = listenerCounts(sock);
    const peek = peekClientHello(sock, opts);
    send(client);
    await expect(peek).rejects.toThrow(ClientHelloError);
    await expect(peek).rejects.toThrow(message);
    expect(listenerCounts(sock)).toBe(before);
    return sock;
  };

  it('rejects non-TLS input and puts it back for another handler', async () => {
    const banner = 'SSH-2.0-OpenSSH_9.2\r\n';
    const sock = await rejects((c) => c.write(banner), /first byte 0x16 expected, got 0x53/);
    expect(String(sock.read())).toBe(banner);
  });

  it('rejects an early close', async () => {
    await rejects(
      (c) => c.end(HELLO.subarray(0, 10)),
      /closed before the ClientHello was complete \(10 bytes/,
    );
  });

  it('rejects a ClientHello bigger than maxBytes', async () => {
    await rejects((c) => c.write(HELLO), /larger than 100 bytes/, { maxBytes: 100 });
  });

  it('rejects on timeout', async () => {
    await rejects((c) => c.write(HELLO.subarray(0, 50)), /within 100 ms \(50 bytes/, { timeoutMs: 100 });
  });
});
