// The viewer's local server over real sockets: the link secret opens the page once, the page
// token opens the script and one WebSocket, and nothing else gets through (wrong secrets, a second
// load, a foreign Host or Origin). Then the WebSocket itself: masked frames in, pings answered,
// the close handshake echoed.
import { once } from 'node:events';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerSecrets, sameSecret } from '../../../src/viewer/secret.js';
import { ViewerServer } from '../../../src/viewer/server.js';
import type { ServerSocket } from '../../../src/viewer/socket.js';
import {
  acceptKey,
  encodeClosePayload,
  encodeFrame,
  OPCODE,
  WebSocketParser,
  type WebSocketMessage,
} from '../../../src/wire/websocket.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const MASK = Buffer.from([1, 2, 3, 4]);

describe('ViewerSecrets', () => {
  it('the link opens one page; its token opens the script any time and one WebSocket', () => {
    const s = new ViewerSecrets('link-secret');
    expect(s.claimSocket(undefined)).toBe('wrong');
    expect(s.checkToken('anything')).toBe(false);
    expect(s.claimPage('nope')).toEqual({ ok: false, reason: 'wrong' });
    expect(s.claimPage(undefined)).toEqual({ ok: false, reason: 'wrong' });
    const first = s.claimPage('link-secret');
    expect(first.ok).toBe(true);
    const token = first.ok ? first.token : '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.claimPage('link-secret')).toEqual({ ok: false, reason: 'used' });
    expect(s.checkToken(token)).toBe(true);
    expect(s.checkToken('link-secret')).toBe(false);
    expect(s.claimSocket('link-secret')).toBe('wrong');
    expect(s.claimSocket(token)).toBe('ok');
    expect(s.claimSocket(token)).toBe('used');
  });

  it('fresh 256-bit secrets, compared whatever their length', () => {
    const a = new ViewerSecrets();
    expect(a.link).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new ViewerSecrets().link).not.toBe(a.link);
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'a')).toBe(false);
  });
});

/** One raw HTTP/1.1 exchange; returns the status line, headers and what follows. */
async function raw(
  port: number,
  request: string,
): Promise<{ status: number; head: string; rest: Buffer; sock: net.Socket }> {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  sock.write(request);
  let buf = Buffer.alloc(0);
  for (;;) {
    const end = buf.indexOf('\r\n\r\n');
    if (end >= 0) {
      const head = buf.subarray(0, end).toString('latin1');
      return { status: Number(head.split(' ')[1]), head, rest: buf.subarray(end + 4), sock };
    }
    const [chunk] = (await once(sock, 'data')) as [Buffer];
    buf = Buffer.concat([buf, chunk]);
  }
}

async function get(port: number, path: string, host = `127.0.0.1:${port}`) {
  const r = await raw(port, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  const chunks = [r.rest];
  r.sock.on('data', (c: Buffer) => chunks.push(c));
  await once(r.sock, 'end');
  r.sock.destroy();
  return { status: r.status, head: r.head, body: Buffer.concat(chunks).toString() };
}

function upgradeRequest(port: number, path: string, headers: Record<string, string> = {}): string {
  const h: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': KEY,
    'Sec-WebSocket-Version': '13',
    Origin: `http://127.0.0.1:${port}`,
    ...headers,
  };
  const lines = Object.entries(h)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}`);
  return `GET ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

describe('ViewerServer', () => {
  let server: ViewerServer;
  let port: number;
  let token: string;
  const refused: string[] = [];

  beforeAll(async () => {
    server = await ViewerServer.start({ title: 'win-1 <test>' });
    port = server.address.port;
    server.on('refused', (r) => refused.push(`${r.what}: ${r.reason}`));
  });
  afterAll(() => server.close());

  it('listens on 127.0.0.1 with the link secret in the URL', () => {
    expect(server.url).toBe(`http://127.0.0.1:${port}/${server.secrets.link}`);
  });

  it('refuses a wrong secret, a foreign Host and other methods, without spending the link', async () => {
    expect((await get(port, '/')).status).toBe(404);
    expect((await get(port, `/${server.secrets.link}x`)).status).toBe(404);
    expect((await get(port, `/${server.secrets.link}/viewer.js`)).status).toBe(404);
    // A page on evil.example that rebinds its name to 127.0.0.1 sends its own Host.
    expect((await get(port, `/${server.secrets.link}`, `evil.example:${port}`)).status).toBe(421);
    const post = await raw(
      port,
      `POST /${server.secrets.link} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    expect(post.status).toBe(405);
    post.sock.destroy();
    expect(server.secrets.pageLoaded).toBe(false);
  });

  it('serves the page once, with the page token, and locked-down headers', async () => {
    const r = await get(port, `/${server.secrets.link}`);
    expect(r.status).toBe(200);
    const m = /data-token="([A-Za-z0-9_-]+)"/.exec(r.body);
    expect(m).not.toBeNull();
    token = m![1]!;
    expect(token).not.toBe(server.secrets.link);
    expect(r.body).toContain(`<script src="/${token}/viewer.js">`);
    expect(r.body).toContain('<title>win-1 &#60;test&#62;</title>');
    expect(r.head).toMatch(/cache-control: no-store/i);
    expect(r.head).toMatch(/referrer-policy: no-referrer/i);
    expect(r.head).toMatch(/x-frame-options: DENY/i);
    expect(r.head).toMatch(
      new RegExp(
        `content-security-policy: default-src 'none'; script-src 'self';.*connect-src ws://127\\.0\\.0\\.1:${port};.*frame-ancestors 'none'`,
        'i',
      ),
    );
    // The link is spent: a second load is refused, and reported.
    const again = await get(port, `/${server.secrets.link}`);
    expect(again.status).toBe(403);
    expect(again.body).toMatch(/already used/);
    expect(again.body).not.toContain(token);
    expect(refused).toEqual(['page: the viewer link was already used']);
  });

  it('serves the script for the page token only', async () => {
    const ok = await get(port, `/${token}/viewer.js`);
    expect(ok.status).toBe(200);
    expect(ok.head).toMatch(/content-type: text\/javascript/i);
    expect(ok.body).toContain('new WebSocket(');
    expect((await get(port, `/${token}x/viewer.js`)).status).toBe(404);
  });

  it('refuses WebSockets with a wrong token, Origin, Host or handshake', async () => {
    const cases: [string, Record<string, string>, number][] = [
      [`/${server.secrets.link}/ws`, {}, 403], // the link secret is not the page token
      [`/${token}x/ws`, {}, 403],
      [`/${token}/ws`, { Origin: 'http://evil.example' }, 403],
      [`/${token}/ws`, { Origin: '' }, 403],
      [`/${token}/ws`, { Host: `localhost.evil.example:${port}` }, 404],
      [`/${token}/ws`, { 'Sec-WebSocket-Version': '8' }, 400],
      [`/${token}/ws`, { 'Sec-WebSocket-Key': 'short' }, 400],
    ];
    for (const [path, headers, status] of cases) {
      const r = await raw(port, upgradeRequest(port, path, headers));
      expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(status);
      r.sock.destroy();
    }
  });

  it('accepts one WebSocket for the token, then speaks RFC 6455 on it', async () => {
    const accepted = once(server, 'socket') as Promise<[ServerSocket]>;
    const r = await raw(port, upgradeRequest(port, `/${token}/ws`));
    expect(r.status).toBe(101);
    expect(r.head).toContain(`Sec-WebSocket-Accept: ${acceptKey(KEY)}`);
    const [ws] = await accepted;
    const parser = new WebSocketParser({ masked: false });
    const inbox: WebSocketMessage[] = [...parser.push(r.rest)];
    r.sock.on('data', (c: Buffer) => inbox.push(...parser.push(c)));
    const next = async () => {
      while (inbox.length === 0) await new Promise((res) => setTimeout(res, 5));
      return inbox.shift()!;
    };

    // A second WebSocket with the same token is refused: the page's connection holds it.
    const second = await raw(port, upgradeRequest(port, `/${token}/ws`));
    expect(second.status).toBe(403);
    second.sock.destroy();
    expect(refused).toContain('websocket: the viewer page is already connected');

    const texts: string[] = [];
    ws.on('text', (t) => texts.push(t));
    // Fragmented text with a ping in between: the ping is answered at once.
    r.sock.write(encodeFrame({ fin: false, opcode: OPCODE.text, payload: Buffer.from('{"t":'), mask: MASK }));
    r.sock.write(encodeFrame({ opcode: OPCODE.ping, payload: Buffer.from('hi'), mask: MASK }));
    expect(await next()).toEqual({ type: 'pong', data: Buffer.from('hi') });
    r.sock.write(encodeFrame({ opcode: OPCODE.continuation, payload: Buffer.from('"key"}'), mask: MASK }));
    ws.sendText('hello page');
    ws.sendBinary(Buffer.from([1, 2, 3]));
    expect(await next()).toEqual({ type: 'text', data: 'hello page' });
    expect(await next()).toEqual({ type: 'binary', data: Buffer.from([1, 2, 3]) });
    expect(texts).toEqual(['{"t":"key"}']);

    // The page closes (a tab closed: 1001); the server echoes the status and ends the socket.
    const closed = once(ws, 'close') as Promise<[{ code: number }]>;
    r.sock.write(encodeFrame({ opcode: OPCODE.close, payload: encodeClosePayload(1001), mask: MASK }));
    expect(await next()).toEqual({ type: 'close', code: 1001, reason: '' });
    expect((await closed)[0].code).toBe(1001);
    r.sock.destroy();
  });

  it('closes with 1002 on an unmasked frame from the page', async () => {
    const s2 = await ViewerServer.start();
    try {
      const page = await get(s2.address.port, `/${s2.secrets.link}`);
      const t = /data-token="([^"]+)"/.exec(page.body)![1]!;
      const r = await raw(s2.address.port, upgradeRequest(s2.address.port, `/${t}/ws`));
      expect(r.status).toBe(101);
      const parser = new WebSocketParser({ masked: false });
      const got: WebSocketMessage[] = [...parser.push(r.rest)];
      r.sock.on('data', (c: Buffer) => got.push(...parser.push(c)));
      r.sock.write(encodeFrame({ opcode: OPCODE.text, payload: Buffer.from('x') }));
      await once(r.sock, 'end');
      expect(got[0]).toMatchObject({ type: 'close', code: 1002 });
      r.sock.destroy();
    } finally {
      await s2.close();
    }
  });
});
