import { describe, expect, it } from 'vitest';
import { RdpPduError } from '../../../../src/rdp/conn/errors.js';
import { Framer, pduLength } from '../../../../src/rdp/conn/framer.js';
import { framesAtEverySplit, hx } from './hex.js';

// A fast-path output PDU with a 1-byte length: header 0x00, length 6, one 1-byte update.
const FP_SHORT = hx`00 06  04 01 00 aa`;
// One with a 2-byte length (0x80 | high, low): 0x0105 = 261 bytes in all.
const FP_LONG = Buffer.concat([hx`00 81 05`, Buffer.alloc(258, 0x5a)]);
// A TPKT PDU: Attach User Confirm (MS-RDPBCGR 4.1.7).
const TPKT = hx`03 00 00 0b  02 f0 80  2e 00 00 06`;

describe('Framer', () => {
  it('splits a mixed stream into whole PDUs wherever the chunks break', () => {
    const stream = Buffer.concat([TPKT, FP_SHORT, FP_LONG, TPKT, FP_SHORT]);
    const frames = framesAtEverySplit(stream);
    expect(frames.map((f) => f.kind)).toEqual(['x224', 'fastpath', 'fastpath', 'x224', 'fastpath']);
    expect(frames.map((f) => f.raw)).toEqual([TPKT, FP_SHORT, FP_LONG, TPKT, FP_SHORT]);
    const first = frames[0];
    expect(first.kind === 'x224' && first.tpdu).toEqual(hx`02 f0 80 2e 00 00 06`);
  });

  it('holds partial PDUs and reports how many bytes wait', () => {
    const f = new Framer();
    expect(f.push(FP_LONG.subarray(0, 100))).toEqual([]);
    expect(f.pending).toBe(100);
    expect(f.push(FP_LONG.subarray(100))).toHaveLength(1);
    expect(f.pending).toBe(0);
    expect(f.push(Buffer.alloc(0))).toEqual([]);
  });

  it('keeps the fast-path header flags and the secure-checksum bit in the forwarded bytes', () => {
    // fpOutputHeader 0x40: FASTPATH_OUTPUT_SECURE_CHECKSUM; forwarded untouched.
    const pdu = hx`40 05 04 00 00`;
    expect(new Framer().push(pdu)[0]).toEqual({ kind: 'fastpath', raw: pdu });
  });

  it('rejects what is neither TPKT nor fast-path, with a typed error', () => {
    const cases: [Buffer, RegExp][] = [
      [hx`01 05 00 00 00`, /first byte 0x01 is neither TPKT nor fast-path/],
      [hx`02 05 00 00 00`, /first byte 0x02/],
      [hx`07 00 00 10`, /TPKT header: version 7, expected 3/],
      [hx`03 00 00 06 02 f0`, /TPKT header: length 6/],
      [hx`00 01`, /fast-path header: length 1/],
      [hx`00 80 02`, /fast-path header: length 2/],
      [hx`80 05 00 00 00`, /encrypted fast-path PDU/],
    ];
    for (const [bytes, re] of cases) {
      expect(() => new Framer().push(bytes)).toThrow(RdpPduError);
      expect(() => new Framer().push(bytes)).toThrow(re);
    }
  });

  it('knows a length from the first bytes only', () => {
    expect(pduLength(hx`03`)).toBeUndefined();
    expect(pduLength(hx`03 00 00`)).toBeUndefined();
    expect(pduLength(hx`03 00 01 00`)).toBe(256);
    expect(pduLength(hx`00 81`)).toBeUndefined();
    expect(pduLength(hx`00 7f`)).toBe(127);
    expect(pduLength(hx`00 ff ff`)).toBe(0x7fff);
  });
});
