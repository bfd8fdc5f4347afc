// MS-RDPECLIP PDUs and static virtual channel chunks byte by byte (layouts: MS-RDPECLIP 2.2,
// MS-RDPBCGR 2.2.6.1), and the client state machine through a whole copy each way.
import { describe, expect, it } from 'vitest';
import {
  CB_ASCII_NAMES,
  CB_USE_LONG_FORMAT_NAMES,
  CF_UNICODETEXT,
  ChannelDefragmenter,
  chunkChannelData,
  decodeCliprdr,
  decodeUnicodeText,
  encodeCaps,
  encodeFormatDataRequest,
  encodeFormatDataResponse,
  encodeFormatList,
  encodeFormatListResponse,
  encodeMonitorReady,
  encodeUnicodeText,
} from '../../../src/rdp/cliprdr.js';
import { CliprdrClient } from '../../../src/rdp/cliprdr-client.js';
import { hx } from './conn/hex.js';

/** One whole PDU in one chunk, as a server sends it: FIRST | LAST | SHOW_PROTOCOL. */
const chunk = (pdu: Buffer) =>
  Buffer.concat([hx`${pdu.length.toString(16).padStart(2, '0')}000000 13000000`, pdu]);
const unchunk = (chunks: Buffer[]) => {
  const d = new ChannelDefragmenter();
  return chunks.map((c) => d.push(c)).filter((b): b is Buffer => b !== undefined);
};

describe('CLIPRDR PDUs', () => {
  it('encodes the capabilities PDU: one general set, version 2, long format names', () => {
    expect(encodeCaps(CB_USE_LONG_FORMAT_NAMES)).toEqual(hx`
      0700 0000 10000000   # CB_CLIP_CAPS, flags 0, dataLen 16
      0100 0000            # one set, pad
      0100 0c00 02000000 02000000  # CB_CAPSTYPE_GENERAL, 12 bytes, CB_CAPS_VERSION_2, CB_USE_LONG_FORMAT_NAMES
    `);
    expect(decodeCliprdr(encodeCaps(0x12), true)).toEqual({
      type: 'caps',
      flags: 0,
      version: 2,
      generalFlags: 0x12,
    });
  });

  it('decodes monitor ready and the list and data responses', () => {
    expect(encodeMonitorReady()).toEqual(hx`0100 0000 00000000`);
    expect(decodeCliprdr(hx`0100 0000 00000000`, false)).toEqual({ type: 'monitor-ready', flags: 0 });
    expect(encodeFormatListResponse(true)).toEqual(hx`0300 0100 00000000`);
    expect(encodeFormatListResponse(false)).toEqual(hx`0300 0200 00000000`);
    expect(encodeFormatDataRequest(CF_UNICODETEXT)).toEqual(hx`0400 0000 04000000 0d000000`);
    expect(decodeCliprdr(hx`0400 0000 04000000 0d000000`, true)).toEqual({
      type: 'format-data-request',
      flags: 0,
      formatId: 13,
    });
    expect(encodeFormatDataResponse(hx`6100 0000`)).toEqual(hx`0500 0100 04000000 6100 0000`);
    expect(encodeFormatDataResponse(undefined)).toEqual(hx`0500 0200 00000000`);
  });

  it('format lists with long and short names', () => {
    const long = encodeFormatList(
      [
        { id: CF_UNICODETEXT, name: '' },
        { id: 0xc004, name: 'HTML' },
      ],
      true,
    );
    expect(long).toEqual(hx`
      0200 0000 14000000
      0d000000 0000                    # CF_UNICODETEXT, ""
      04c00000 480054004d004c00 0000   # 0xC004, "HTML"
    `);
    expect(decodeCliprdr(long, true)).toEqual({
      type: 'format-list',
      flags: 0,
      formats: [
        { id: 13, name: '' },
        { id: 0xc004, name: 'HTML' },
      ],
    });
    const short = encodeFormatList([{ id: 1, name: 'T' }], false);
    expect(short.length).toBe(8 + 36);
    expect(short.subarray(0, 14)).toEqual(hx`0200 0000 24000000 01000000 5400`);
    expect(decodeCliprdr(short, false)).toMatchObject({ formats: [{ id: 1, name: 'T' }] });
    // Short ASCII names (CB_ASCII_NAMES).
    const ascii = Buffer.concat([hx`0200 0400 24000000 07000000`, Buffer.from('OEM'.padEnd(32, '\0'))]);
    expect(decodeCliprdr(ascii, false)).toMatchObject({
      flags: CB_ASCII_NAMES,
      formats: [{ id: 7, name: 'OEM' }],
    });
  });

  it('refuses truncated or unterminated PDUs', () => {
    expect(() => decodeCliprdr(hx`0200 0000 04000000 0d000000`, false)).toThrow(/36-byte entries/);
    expect(() => decodeCliprdr(hx`0200 0000 06000000 0d000000 4100`, true)).toThrow(/not terminated/);
    expect(() => decodeCliprdr(hx`0500 0100 08000000 6100`, true)).toThrow(/truncated/);
  });

  it('CF_UNICODETEXT: CRLF line ends and a NUL out; up to the NUL in', () => {
    expect(encodeUnicodeText('a\nb')).toEqual(hx`6100 0d00 0a00 6200 0000`);
    expect(encodeUnicodeText('a\r\nb')).toEqual(hx`6100 0d00 0a00 6200 0000`);
    expect(decodeUnicodeText(hx`6800 6900 0000 7800`)).toBe('hi');
    expect(decodeUnicodeText(Buffer.from('é€', 'utf16le'))).toBe('é€');
  });
});

describe('static virtual channel chunks', () => {
  it('one chunk: total length, FIRST | LAST (| SHOW_PROTOCOL)', () => {
    expect(chunkChannelData(hx`01020304`, 0x10)).toEqual([hx`04000000 13000000 01020304`]);
    expect(chunkChannelData(Buffer.alloc(0))).toEqual([hx`00000000 03000000`]);
  });

  it('splits at 1600 bytes and reassembles', () => {
    const data = Buffer.alloc(3500, 7);
    const parts = chunkChannelData(data);
    expect(parts.map((p) => [p.readUInt32LE(0), p.readUInt32LE(4), p.length - 8])).toEqual([
      [3500, 1, 1600],
      [3500, 0, 1600],
      [3500, 2, 300],
    ]);
    expect(unchunk(parts)).toEqual([data]);
  });

  it('refuses a middle chunk without its first, overlong data and compression', () => {
    expect(() => new ChannelDefragmenter().push(hx`04000000 02000000 01020304`)).toThrow(/without its first/);
    expect(() => new ChannelDefragmenter().push(hx`02000000 03000000 01020304`)).toThrow(/more than 2/);
    expect(() => new ChannelDefragmenter().push(hx`04000000 03002000 01020304`)).toThrow(/compressed/);
    expect(() => new ChannelDefragmenter(10).push(hx`0b000000 01000000 01`)).toThrow(/too big/);
  });
});

describe('CliprdrClient', () => {
  it('initializes on Monitor Ready, then hands over local text when the server asks', () => {
    const remote: string[] = [];
    const c = new CliprdrClient({ onRemoteText: (t) => remote.push(t) });
    // Text set before the channel is up waits for it.
    expect(c.setLocalText('x\ny')).toEqual([]);
    expect(c.receive(chunk(encodeCaps(CB_USE_LONG_FORMAT_NAMES)))).toEqual([]);
    const init = unchunk(c.receive(chunk(encodeMonitorReady())));
    expect(init).toEqual([encodeCaps(CB_USE_LONG_FORMAT_NAMES), hx`0200 0000 06000000 0d000000 0000`]);
    expect(c.ready).toBe(true);
    // A paste on the desktop.
    expect(unchunk(c.receive(chunk(encodeFormatDataRequest(CF_UNICODETEXT))))).toEqual([
      hx`0500 0100 0a000000 7800 0d00 0a00 7900 0000`,
    ]);
    // A format the client never offered.
    expect(unchunk(c.receive(chunk(encodeFormatDataRequest(1))))).toEqual([hx`0500 0200 00000000`]);
    expect(remote).toEqual([]);
  });

  it('acknowledges a remote copy, asks for its text and reports it', () => {
    const remote: string[] = [];
    const c = new CliprdrClient({ onRemoteText: (t) => remote.push(t) });
    c.receive(chunk(encodeCaps(CB_USE_LONG_FORMAT_NAMES)));
    expect(unchunk(c.receive(chunk(encodeMonitorReady())))[1]).toEqual(hx`0200 0000 00000000`); // nothing to offer
    const list = encodeFormatList(
      [
        { id: 0xc004, name: 'HTML' },
        { id: 1, name: '' },
        { id: CF_UNICODETEXT, name: '' },
      ],
      true,
    );
    expect(unchunk(c.receive(chunk(list)))).toEqual([
      encodeFormatListResponse(true),
      encodeFormatDataRequest(CF_UNICODETEXT),
    ]);
    expect(c.receive(chunk(encodeFormatDataResponse(encodeUnicodeText('copied'))))).toEqual([]);
    expect(remote).toEqual(['copied']);
    // Without text formats: acknowledged, nothing requested.
    expect(unchunk(c.receive(chunk(encodeFormatList([{ id: 2, name: '' }], true))))).toEqual([
      encodeFormatListResponse(true),
    ]);
    // Setting local text now announces it at once.
    expect(unchunk(c.setLocalText('z'))).toEqual([hx`0200 0000 06000000 0d000000 0000`]);
  });
});
