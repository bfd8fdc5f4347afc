// The Postgres start-up phase and message codec of the dev cluster's database service, byte by
// byte (client messages made with pg-protocol's serializer, server ones read with its parser).
import { Duplex } from 'node:stream';
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BackendMessage, DatabaseError } from 'pg-protocol/dist/messages.js';
import { describe, expect, it } from 'vitest';
import type { TlsIdentity } from '../../../src/auth/x509/identity.js';
import { DatabaseAccessError } from '../../../src/devcluster/db/engine.js';
import {
  clientMessageEvent,
  handleStartup,
  splitStartupParameters,
} from '../../../src/devcluster/db/postgres.js';
import {
  decodeClientMessage,
  encodeErrorResponse,
  encodeStartupMessage,
  formatParameters,
  MessageFramer,
  PostgresWireError,
  readStartupPacket,
  rowsAffected,
} from '../../../src/devcluster/db/postgreswire.js';

const GSSENC = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30]);

/** A client connection: `send` feeds the engine, `written` is what the engine answered. */
function fakeClient() {
  const written: Buffer[] = [];
  const conn = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk);
      cb();
    },
  });
  return { conn, written, send: (b: Buffer) => conn.push(b) };
}

const tunnelId = {
  username: 'alice',
  routeToDatabase: { serviceName: 'pg', protocol: 'postgres', username: 'alice', database: 'app', roles: [] },
} as unknown as TlsIdentity;

function ctxOf(conn: Duplex, tunnel?: TlsIdentity) {
  return {
    client: conn,
    tunnelIdentity: tunnel,
    clientTls: {},
    identityOf: () => {
      throw new Error('no TLS here');
    },
  };
}

describe('readStartupPacket', () => {
  it('reads SSLRequest, GSSENCRequest, CancelRequest and StartupMessage', () => {
    expect(readStartupPacket(serialize.requestSsl())).toEqual({ packet: { kind: 'ssl' }, length: 8 });
    expect(readStartupPacket(GSSENC)).toEqual({ packet: { kind: 'gssenc' }, length: 8 });
    const cancel = serialize.cancel(4242, 99);
    expect(readStartupPacket(cancel)).toEqual({
      packet: { kind: 'cancel', processId: 4242, secretKey: 99, raw: cancel },
      length: 16,
    });
    const startup = serialize.startup({ user: 'alice', database: 'app', client_encoding: 'UTF8' });
    const r = readStartupPacket(Buffer.concat([startup, Buffer.from('rest')]));
    expect(r?.length).toBe(startup.length);
    expect(r?.packet).toEqual({
      kind: 'startup',
      parameters: { user: 'alice', database: 'app', client_encoding: 'UTF8' },
      raw: startup,
    });
  });

  it('waits for a whole packet', () => {
    const startup = serialize.startup({ user: 'alice' });
    for (let i = 0; i < startup.length; i++)
      expect(readStartupPacket(startup.subarray(0, i))).toBeUndefined();
  });

  it('refuses bad lengths and codes as pgproto3 does', () => {
    const big = Buffer.alloc(8);
    big.writeUInt32BE(10001, 0);
    expect(() => readStartupPacket(big)).toThrow('invalid length of startup packet: 10001');
    expect(() => readStartupPacket(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0]))).toThrow(
      'invalid length of startup packet: 4',
    );
    expect(() => readStartupPacket(Buffer.from([0, 0, 0, 8, 0, 1, 0, 0]))).toThrow(
      'unknown startup message code: 65536',
    );
  });

  it('encodes a StartupMessage the way the parser reads it back', () => {
    const params = { user: 'bob', database: 'x', DateStyle: 'ISO' };
    const b = encodeStartupMessage(params);
    expect(readStartupPacket(b)).toEqual({
      packet: { kind: 'startup', parameters: params, raw: b },
      length: b.length,
    });
    expect(b.subarray(0, 8)).toEqual(Buffer.from([0, 0, 0, b.length, 0, 3, 0, 0]));
  });
});

describe('handleStartup', () => {
  it('tunnel mode: answers SSLRequest and GSSENCRequest with N, then returns the StartupMessage', async () => {
    const c = fakeClient();
    const done = handleStartup(ctxOf(c.conn, tunnelId));
    c.send(GSSENC);
    c.send(serialize.requestSsl());
    const startup = serialize.startup({ user: 'alice', database: 'app' });
    c.send(startup.subarray(0, 5)); // in pieces
    c.send(startup.subarray(5));
    const r = await done;
    expect(Buffer.concat(c.written).toString()).toBe('NN');
    expect(r.kind).toBe('startup');
    expect(r.kind === 'startup' && r.parameters).toMatchObject({ user: 'alice', database: 'app' });
    expect(r.identity).toBe(tunnelId);
  });

  it('refuses a second SSLRequest (and GSSENCRequest) with upstream wording', async () => {
    const c = fakeClient();
    const done = handleStartup(ctxOf(c.conn, tunnelId));
    c.send(Buffer.concat([serialize.requestSsl(), serialize.requestSsl()]));
    await expect(done).rejects.toThrow(new PostgresWireError('received more than one SSLRequest'));
    const g = fakeClient();
    const gdone = handleStartup(ctxOf(g.conn, tunnelId));
    g.send(Buffer.concat([GSSENC, GSSENC]));
    await expect(gdone).rejects.toThrow('received more than one GSSEncRequest');
  });

  it('passes a CancelRequest on whole', async () => {
    const c = fakeClient();
    const done = handleStartup(ctxOf(c.conn, tunnelId));
    const cancel = serialize.cancel(7, 8);
    c.send(cancel);
    const r = await done;
    expect(r.kind === 'cancel' && r.raw).toEqual(cancel);
    expect(c.written).toEqual([]);
  });

  it('without TLS or a tunnel certificate there is no identity', async () => {
    const c = fakeClient();
    const done = handleStartup(ctxOf(c.conn));
    c.send(serialize.startup({ user: 'alice' }));
    await expect(done).rejects.toBeInstanceOf(DatabaseAccessError);
  });

  it('reports a connection closed mid-packet', async () => {
    const c = fakeClient();
    const done = handleStartup(ctxOf(c.conn, tunnelId));
    c.send(serialize.startup({ user: 'alice' }).subarray(0, 6));
    c.conn.push(null);
    await expect(done).rejects.toThrow('connection closed during start-up');
  });

  it('keeps user and database out of the passed-on parameters; application_name is the user agent', () => {
    expect(
      splitStartupParameters({ user: 'u', database: 'd', application_name: 'psql', DateStyle: 'ISO' }),
    ).toEqual({ user: 'u', database: 'd', userAgent: 'psql', rest: { DateStyle: 'ISO' } });
  });
});

describe('client messages', () => {
  function collect(chunks: Buffer[]): Array<{ type: number; body: Buffer }> {
    const out: Array<{ type: number; body: Buffer }> = [];
    const f = new MessageFramer(
      () => true,
      (type, body) => out.push({ type, body: Buffer.from(body) }),
    );
    for (const c of chunks) f.push(c);
    return out;
  }

  it('frames messages split at every byte', () => {
    const all = Buffer.concat([serialize.query('select 1'), serialize.sync(), serialize.end()]);
    const oneByOne = collect([...all].map((b) => Buffer.from([b])));
    expect(oneByOne.map((m) => String.fromCharCode(m.type))).toEqual(['Q', 'S', 'X']);
    expect(collect([all])).toEqual(oneByOne);
  });

  it('skips unwanted messages without handing them over', () => {
    const seen: number[] = [];
    const f = new MessageFramer(
      (t) => t === 0x51,
      (t) => seen.push(t),
    );
    f.push(Buffer.concat([serialize.copyData(Buffer.alloc(100_000)), serialize.query('x')]));
    expect(seen).toEqual([0x51]);
  });

  it('decodes what the audit log records', () => {
    const dec = (b: Buffer) => {
      const [m] = collect([b]);
      return decodeClientMessage(m!.type, m!.body);
    };
    expect(dec(serialize.query('select 1'))).toEqual({ type: 'query', query: 'select 1' });
    expect(dec(serialize.parse({ name: 's1', text: 'select $1', types: [25] }))).toEqual({
      type: 'parse',
      name: 's1',
      query: 'select $1',
    });
    expect(dec(serialize.bind({ portal: 'p1', statement: 's1', values: ['abc', null] }))).toEqual({
      type: 'bind',
      portal: 'p1',
      statement: 's1',
      parameters: ['abc', ''],
    });
    expect(dec(serialize.execute({ portal: 'p1' }))).toEqual({ type: 'execute', portal: 'p1' });
    expect(dec(serialize.close({ type: 'S', name: 's1' }))).toEqual({
      type: 'close',
      objectType: 'S',
      name: 's1',
    });
    const fn = Buffer.from([0x46, 0, 0, 0, 20, 0, 0, 4, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 2, 0xca, 0xfe, 0, 0]);
    expect(dec(fn)).toEqual({ type: 'functionCall', oid: 1024, args: ['yv4='] });
    expect(() => decodeClientMessage(0x50, Buffer.from('s1\0'))).toThrow('invalid Parse');
  });

  it('maps messages to upstream events', () => {
    expect(clientMessageEvent({ type: 'close', objectType: 'P', name: 'p' })).toEqual({
      $case: 'PostgresClose',
      value: { StatementName: '', PortalName: 'p' },
    });
    expect(clientMessageEvent({ type: 'terminate' })).toBeUndefined();
  });

  it('formats parameters as upstream: text, base64 for binary, none when formats do not fit', () => {
    const v = [Buffer.from('a'), Buffer.from([0xff])];
    expect(formatParameters(v, [0, 1])).toEqual(['a', '/w==']);
    expect(formatParameters(v, [1])).toEqual(['YQ==', '/w==']);
    expect(formatParameters(v, [0, 1, 0])).toEqual([]);
  });

  it('counts affected rows from the command tag', () => {
    expect(rowsAffected('INSERT 0 5')).toBe(5);
    expect(rowsAffected('SELECT 1')).toBe(1);
    expect(rowsAffected('CREATE TABLE')).toBe(0);
  });
});

describe('ErrorResponse', () => {
  const parse = (b: Buffer) => {
    const out: BackendMessage[] = [];
    new Parser().parse(b, (m) => out.push(m));
    return out[0] as DatabaseError;
  };

  it('carries only the message for the service own refusals, as upstream', () => {
    const b = encodeErrorResponse({ message: 'access to db denied.' });
    expect(b).toEqual(Buffer.from('E\0\0\0\x1bMaccess to db denied.\0\0', 'latin1'));
    expect(parse(b).message).toBe('access to db denied.');
    expect(parse(b).severity).toBeUndefined();
  });

  it('passes the server fields on', () => {
    const e = parse(
      encodeErrorResponse({
        severity: 'FATAL',
        code: '28000',
        message: 'role "x" does not exist',
        detail: 'd',
      }),
    );
    expect([e.severity, e.code, e.message, e.detail]).toEqual([
      'FATAL',
      '28000',
      'role "x" does not exist',
      'd',
    ]);
  });
});
