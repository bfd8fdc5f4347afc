import { describe, expect, it } from 'vitest';
import {
  CLIENT,
  decodeAuthSwitchRequest,
  decodeCommand,
  decodeEof,
  decodeErr,
  decodeHandshakeResponse,
  decodeInitialHandshake,
  decodeOk,
  encodeAuthSwitchRequest,
  encodeCommand,
  encodeEof,
  encodeErr,
  encodeHandshakeResponse,
  encodeInitialHandshake,
  encodeOk,
  encodePacket,
  encodeSslRequest,
  isEof,
  lenencInt,
  MAX_PAYLOAD,
  MysqlWireError,
  PacketDecoder,
  Reader,
} from '../../../src/devcluster/db/mysqlwire.js';

/** Hex with whitespace and `|` separators stripped, so vectors can be laid out by field. */
const h = (s: string) => Buffer.from(s.replace(/[\s|]+/g, ''), 'hex');
const ascii = (s: string) => Buffer.from(s, 'latin1').toString('hex');

// The capabilities the engine announces (go-mysql's server set + multi-statements), without SSL.
const PROXY_CAPS =
  CLIENT.LONG_PASSWORD |
  CLIENT.LONG_FLAG |
  CLIENT.CONNECT_WITH_DB |
  CLIENT.PROTOCOL_41 |
  CLIENT.TRANSACTIONS |
  CLIENT.SECURE_CONNECTION |
  CLIENT.PLUGIN_AUTH |
  CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  CLIENT.MULTI_STATEMENTS |
  CLIENT.MULTI_RESULTS |
  CLIENT.PS_MULTI_RESULTS;

describe('MySQL packet framing', () => {
  it('frames a payload: 3-byte little-endian length, sequence id', () => {
    const { bytes, nextSeq } = encodePacket(Buffer.from([0x03, 0x41]), 5);
    expect(bytes.toString('hex')).toBe('02000005' + '0341');
    expect(nextSeq).toBe(6);
    expect(encodePacket(Buffer.alloc(0), 255)).toEqual({ bytes: h('000000ff'), nextSeq: 0 });
  });

  it('splits 16 MB payloads into full frames and a shorter (here empty) last frame', () => {
    const payload = Buffer.alloc(MAX_PAYLOAD, 0x61);
    const { bytes, nextSeq } = encodePacket(payload, 0);
    expect(bytes.length).toBe(4 + MAX_PAYLOAD + 4);
    expect(bytes.subarray(0, 4).toString('hex')).toBe('ffffff00');
    expect(bytes.subarray(4 + MAX_PAYLOAD).toString('hex')).toBe('00000001');
    expect(nextSeq).toBe(2);
    const longer = encodePacket(Buffer.alloc(MAX_PAYLOAD + 3, 0x62), 7).bytes;
    expect(longer.subarray(4 + MAX_PAYLOAD).toString('hex')).toBe('03000008626262');
  });

  it('reassembles frames fed a byte at a time, and continuation frames into one packet', () => {
    const dec = new PacketDecoder();
    const wire = Buffer.concat([h('0100000001'), h('03000000414243'), h('00000000')]);
    const got = [];
    for (const b of wire) {
      dec.push(Buffer.from([b]));
      for (let p = dec.next(); p; p = dec.next()) got.push(p);
    }
    expect(got.map((p) => [p.seq, p.nextSeq, p.payload.toString('hex'), p.raw.toString('hex')])).toEqual([
      [0, 1, '01', '0100000001'],
      [0, 1, '414243', '03000000414243'],
      [0, 1, '', '00000000'],
    ]);
    expect(dec.buffered).toBe(0);

    const big = Buffer.alloc(MAX_PAYLOAD + 10);
    big.writeUInt32LE(0xdeadbeef, MAX_PAYLOAD + 2);
    const framed = encodePacket(big, 3).bytes;
    const d2 = new PacketDecoder();
    d2.push(framed.subarray(0, 1000));
    expect(d2.next()).toBeUndefined();
    d2.push(framed.subarray(1000, framed.length - 1));
    expect(d2.next()).toBeUndefined();
    d2.push(framed.subarray(framed.length - 1));
    const p = d2.next()!;
    expect(p.seq).toBe(3);
    expect(p.nextSeq).toBe(5);
    expect(p.payload.equals(big)).toBe(true);
    expect(p.raw.equals(framed)).toBe(true);
  });

  it('refuses packets above the limit and keeps unread bytes for drain()', () => {
    const dec = new PacketDecoder({ maxPacket: 10 });
    dec.push(h('0b0000 00'));
    expect(() => dec.next()).toThrow(MysqlWireError);
    const d2 = new PacketDecoder();
    d2.push(h('0100000141 1603'));
    expect(d2.next()!.payload.toString('hex')).toBe('41');
    expect(d2.drain().toString('hex')).toBe('1603');
  });

  it('reads and writes length-encoded integers', () => {
    for (const [n, hex] of [
      [0, '00'],
      [250, 'fa'],
      [251, 'fcfb00'],
      [0xffff, 'fcffff'],
      [0x10000, 'fd000001'],
      [0x1000000, 'fe0000000100000000'],
    ] as const) {
      expect(lenencInt(n).toString('hex')).toBe(hex);
      expect(new Reader(h(hex)).lenenc('n')).toBe(n);
    }
    expect(() => new Reader(h('ff')).lenenc('n')).toThrow(/not a length-encoded integer/);
    expect(() => new Reader(h('fc01')).lenenc('n')).toThrow(/truncated/);
  });
});

describe('MySQL connection phase', () => {
  const salt = Buffer.from('abcdefghijklmnopqrst');
  // Protocol::HandshakeV10 as the engine sends it (no SSL: tunnel mode).
  const proxyHandshake = h(`
    0a | ${ascii('8.0.0-Teleport')}00 | 07000000 | ${ascii('abcdefgh')} | 00 | 0da2 | 21 | 0200 | 2f00 | 15 |
    00000000000000000000 | ${ascii('ijklmnopqrst')}00 | ${ascii('mysql_native_password')}00`);

  it('encodes and decodes the initial handshake', () => {
    const hs = {
      serverVersion: '8.0.0-Teleport',
      connectionId: 7,
      authPluginData: salt,
      capabilities: PROXY_CAPS,
      charset: 33,
      statusFlags: 2,
      authPluginName: 'mysql_native_password',
    };
    expect(encodeInitialHandshake(hs).toString('hex')).toBe(proxyHandshake.toString('hex'));
    expect(decodeInitialHandshake(proxyHandshake)).toEqual(hs);
    // With SSL offered (non-tunnel), only the capability bit differs.
    const ssl = encodeInitialHandshake({ ...hs, capabilities: PROXY_CAPS | CLIENT.SSL });
    expect(ssl.subarray(29, 31).toString('hex')).toBe('0daa');
  });

  it('decodes a MariaDB handshake with extended capabilities in the filler', () => {
    const maria = h(`
      0a | ${ascii('5.5.5-10.11.6-MariaDB-0+deb12u1')}00 | 2a000000 | ${ascii('ABCDEFGH')} | 00 | feff | 2d | 0200 | ffc1 | 15 |
      000000000000 | 1d000000 | ${ascii('IJKLMNOPQRST')}00 | ${ascii('mysql_native_password')}00`);
    const hs = decodeInitialHandshake(maria);
    expect(hs.serverVersion).toBe('5.5.5-10.11.6-MariaDB-0+deb12u1');
    expect(hs.connectionId).toBe(42);
    expect(hs.authPluginData.toString()).toBe('ABCDEFGHIJKLMNOPQRST');
    expect(hs.capabilities).toBe(0xc1fffffe);
    expect(hs.capabilities & CLIENT.SSL).toBeTruthy();
    expect(hs.mariadbCapabilities).toBe(0x1d);
    expect(hs.charset).toBe(45);
    expect(hs.authPluginName).toBe('mysql_native_password');
    expect(encodeInitialHandshake(hs).equals(maria)).toBe(true);
  });

  it('refuses other protocol versions and truncated handshakes', () => {
    expect(() => decodeInitialHandshake(h('09'))).toThrow(/protocol version 9/);
    expect(() => decodeInitialHandshake(proxyHandshake.subarray(0, 20))).toThrow(MysqlWireError);
  });

  // What the real `mariadb` 10.11 client sends to the handshake above (-u alice -psecret testdb).
  const mariadbResponse = h(`
    8da2bf00 | 00000010 | 21 | ${'00'.repeat(23)} | ${ascii('alice')}00 |
    14 8817c50fa779daef010ee7577825b0847df9842e | ${ascii('testdb')}00 | ${ascii('mysql_native_password')}00`);

  it("decodes the mariadb client's HandshakeResponse41", () => {
    const r = decodeHandshakeResponse(mariadbResponse);
    expect(r.kind).toBe('response');
    if (r.kind !== 'response') return;
    expect(r.capabilities).toBe(0x00bfa28d);
    // It claims CONNECT_ATTRS and SESSION_TRACK, which the server did not offer, and sends no attributes.
    expect(r.capabilities & CLIENT.CONNECT_ATTRS).toBeTruthy();
    expect(r.attributes).toBeUndefined();
    expect(r.maxPacketSize).toBe(0x10000000);
    expect(r.charset).toBe(33);
    expect(r.username).toBe('alice');
    expect(r.authResponse.toString('hex')).toBe('8817c50fa779daef010ee7577825b0847df9842e');
    expect(r.database).toBe('testdb');
    expect(r.authPluginName).toBe('mysql_native_password');
  });

  it('decodes the SSLRequest a mariadb --ssl client sends', () => {
    const r = decodeHandshakeResponse(h(`8daabf00 00000010 21 ${'00'.repeat(23)}`));
    expect(r).toEqual({
      kind: 'ssl-request',
      capabilities: 0x00bfaa8d,
      maxPacketSize: 0x10000000,
      charset: 33,
    });
    expect(
      encodeSslRequest({ capabilities: 0x00bfa28d, maxPacketSize: 0x10000000, charset: 33 }).toString('hex'),
    ).toBe(`8daabf000000001021${'00'.repeat(23)}`);
  });

  it('encodes the engine’s login: empty password, database, plugin; attributes when asked', () => {
    const caps =
      CLIENT.PROTOCOL_41 |
      CLIENT.SECURE_CONNECTION |
      CLIENT.PLUGIN_AUTH |
      CLIENT.CONNECT_WITH_DB |
      CLIENT.SSL;
    const bytes = encodeHandshakeResponse({
      capabilities: caps,
      maxPacketSize: 16777216,
      charset: 45,
      username: 'alice',
      authResponse: Buffer.alloc(0),
      database: 'test',
      authPluginName: 'mysql_native_password',
    });
    expect(bytes.toString('hex')).toBe(
      h(`088a0800 | 00000001 | 2d | ${'00'.repeat(23)} | ${ascii('alice')}00 | 00 | ${ascii('test')}00 |
        ${ascii('mysql_native_password')}00`).toString('hex'),
    );
    const withAttrs = encodeHandshakeResponse({
      capabilities: caps | CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA | CLIENT.CONNECT_ATTRS,
      maxPacketSize: 0,
      charset: 33,
      username: 'bob',
      authResponse: Buffer.from([1, 2]),
      authPluginName: 'x',
      attributes: [['_client_name', 'tshjs']],
    });
    const back = decodeHandshakeResponse(withAttrs);
    expect(back).toMatchObject({
      kind: 'response',
      username: 'bob',
      database: '',
      authPluginName: 'x',
      attributes: [['_client_name', 'tshjs']],
    });
    expect(back.kind === 'response' && back.authResponse.toString('hex')).toBe('0102');
    // MariaDB extended capabilities ride in the last 4 filler bytes when CLIENT_MYSQL is clear.
    const maria = encodeSslRequest({
      capabilities: CLIENT.PROTOCOL_41,
      maxPacketSize: 0,
      charset: 33,
      mariadbCapabilities: 4,
    });
    expect(maria.subarray(28).toString('hex')).toBe('04000000');
    expect(decodeHandshakeResponse(maria)).toMatchObject({ kind: 'ssl-request', mariadbCapabilities: 4 });
  });

  it('refuses pre-4.1 clients', () => {
    expect(() => decodeHandshakeResponse(h(`8d000000 00000010 21 ${'00'.repeat(23)}`))).toThrow(
      /protocol 4.1/,
    );
  });

  it('encodes and decodes AuthSwitchRequest', () => {
    const req = h(`fe ${ascii('mysql_native_password')}00 ${ascii('0123456789abcdefghij')}00`);
    expect(decodeAuthSwitchRequest(req)).toEqual({
      pluginName: 'mysql_native_password',
      pluginData: Buffer.from('0123456789abcdefghij'),
    });
    expect(
      encodeAuthSwitchRequest({ pluginName: 'mysql_clear_password', pluginData: Buffer.alloc(0) }).toString(
        'hex',
      ),
    ).toBe(`fe${ascii('mysql_clear_password')}00`);
    expect(decodeAuthSwitchRequest(h('fe')).pluginName).toBe('mysql_old_password');
  });
});

describe('MySQL responses', () => {
  it('encodes and decodes OK packets', () => {
    expect(encodeOk({ statusFlags: 2 }).toString('hex')).toBe('00000002000000');
    const ok = h('00 fc0001 05 2200 0100 ' + ascii('Rows matched: 1'));
    expect(decodeOk(ok)).toEqual({
      affectedRows: 256,
      lastInsertId: 5,
      statusFlags: 0x22,
      warnings: 1,
      info: 'Rows matched: 1',
    });
    expect(encodeOk(decodeOk(ok)).equals(ok)).toBe(true);
  });

  it('encodes and decodes ERR packets, with and without the SQL state', () => {
    const err = encodeErr({ code: 1105, sqlState: 'HY000', message: 'access to db denied' });
    expect(err.toString('hex')).toBe(`ff5104${ascii('#HY000')}${ascii('access to db denied')}`);
    expect(decodeErr(err)).toEqual({ code: 1105, sqlState: 'HY000', message: 'access to db denied' });
    // Servers send pre-handshake errors without the marker.
    const early = h(`ff6a04 ${ascii("Host '1.2.3.4' is blocked")}`);
    expect(decodeErr(early)).toEqual({ code: 1130, message: "Host '1.2.3.4' is blocked" });
    expect(encodeErr({ code: 1130, message: 'x' }, false).toString('hex')).toBe('ff6a0478');
  });

  it('encodes and decodes EOF packets', () => {
    expect(encodeEof({ warnings: 0, statusFlags: 2 }).toString('hex')).toBe('fe00000200');
    expect(decodeEof(h('fe00000200'))).toEqual({ warnings: 0, statusFlags: 2 });
    expect(isEof(h('fe00000200'))).toBe(true);
    expect(isEof(h('fe0000000000000000'))).toBe(false); // 9 bytes: a row or an OK
  });
});

describe('MySQL commands', () => {
  const vectors: Array<[string, Parameters<typeof encodeCommand>[0]]> = [
    [`03${ascii('select 1')}`, { kind: 'query', query: 'select 1' }],
    ['01', { kind: 'quit' }],
    [`02${ascii('test')}`, { kind: 'init-db', schema: 'test' }],
    [`05${ascii('db1')}`, { kind: 'create-db', schema: 'db1' }],
    [`06${ascii('db1')}`, { kind: 'drop-db', schema: 'db1' }],
    ['0704', { kind: 'refresh', subcommand: 'REFRESH_TABLES' }],
    ['08', { kind: 'shutdown' }],
    ['0c2a000000', { kind: 'process-kill', processId: 42 }],
    ['0d', { kind: 'debug' }],
    [`16${ascii('select ?')}`, { kind: 'stmt-prepare', query: 'select ?' }],
    ['170100000000' + '01000000', { kind: 'stmt-execute', statementId: 1, flags: 0, iterationCount: 1 }],
    [
      '18020000000100' + '000000',
      { kind: 'stmt-send-long-data', statementId: 2, parameterId: 1, dataSize: 3 },
    ],
    ['1903000000', { kind: 'stmt-close', statementId: 3 }],
    ['1a04000000', { kind: 'stmt-reset', statementId: 4 }],
    ['1c050000000a000000', { kind: 'stmt-fetch', statementId: 5, rowsCount: 10 }],
    ['fa060000008000', { kind: 'stmt-bulk-execute', statementId: 6, flags: 128 }],
  ];

  it.each(vectors)('%s', (hex, cmd) => {
    expect(encodeCommand(cmd).toString('hex')).toBe(hex);
    expect(decodeCommand(h(hex))).toEqual(cmd);
  });

  it('decodes COM_CHANGE_USER and leaves other commands generic', () => {
    expect(decodeCommand(h(`11${ascii('root')}00 00`))).toEqual({ kind: 'change-user', user: 'root' });
    expect(decodeCommand(h('0e'))).toEqual({ kind: 'other', command: 0x0e });
  });

  it('refuses truncated statement commands and unknown refresh subcommands', () => {
    expect(() => decodeCommand(h('1901'))).toThrow(/COM_STMT_CLOSE statement id truncated/);
    expect(() => decodeCommand(h('0703'))).toThrow(/COM_REFRESH subcommand 0x3/);
    expect(() => decodeCommand(h(''))).toThrow(MysqlWireError);
  });
});
