import { describe, expect, it } from 'vitest';
import {
  CS_CORE,
  CS_NET,
  RDP_VERSION_10_7,
  decodeClientCoreData,
  decodeClientNetworkData,
  decodeConferenceCreateRequest,
  decodeConferenceCreateResponse,
  decodeServerData,
  decodeUserDataBlocks,
  encodeClientClusterData,
  encodeClientCoreData,
  encodeClientNetworkData,
  encodeClientSecurityData,
  encodeConferenceCreateRequest,
  encodeConferenceCreateResponse,
  encodeServerData,
  encodeUserDataBlocks,
  type ClientCoreData,
} from '../../../../src/rdp/conn/gcc.js';
import { hx } from './hex.js';

const zeros = (n: number) => '00 '.repeat(n);

describe('GCC Conference Create Request', () => {
  it('wraps client data as MS-RDPBCGR 4.1.3 shows (284 bytes of blocks)', () => {
    const userData = Buffer.alloc(284, 0xee);
    const ccr = encodeConferenceCreateRequest(userData);
    expect(ccr.subarray(0, 23)).toEqual(hx`
      00 05 00 14 7c 00 01            # T.124 object identifier {0 0 20 124 0 1}
      81 2a                           # connectPDU length 298
      00 08 00 10 00 01 c0 00         # ConferenceCreateRequest: name "1", one h221NonStandard userData
      44 75 63 61                     # "Duca"
      81 1c                           # userData length 284
    `);
    expect(ccr.subarray(23)).toEqual(userData);
    expect(decodeConferenceCreateRequest(ccr)).toEqual(userData);
  });

  it('uses one-byte PER lengths for small data', () => {
    const ccr = encodeConferenceCreateRequest(Buffer.from('0123456789'));
    expect(ccr.subarray(0, 8)).toEqual(hx`00 05 00 14 7c 00 01 17`);
    expect(ccr[20]).toBe(10); // userData length, after 7 + 1 + 8 + 4 bytes
  });

  it('rejects a wrong key', () => {
    const ccr = encodeConferenceCreateRequest(Buffer.from('x'));
    ccr[16] = 0x45; // "Euca"
    expect(() => decodeConferenceCreateRequest(ccr)).toThrow(/H.221 key 45756361/);
  });
});

// TLS: no server random or certificate; the I/O channel 1003 and two static channels.
const SERVER_BLOCKS = hx`
  01 0c 0c 00  04 00 08 00  01 00 00 00      # SC_CORE: RDP 5.0+, clientRequestedProtocols TLS
  02 0c 0c 00  00 00 00 00  00 00 00 00      # SC_SECURITY: ENCRYPTION_METHOD_NONE, level NONE
  03 0c 0c 00  eb 03 02 00  ec 03 ed 03      # SC_NET: I/O 1003, channels 1004 and 1005
  04 0c 06 00  f0 03                         # SC_MCS_MSGCHANNEL: 1008
  08 0c 08 00  00 00 00 00                   # SC_MULTITRANSPORT: no flags
`;
const SERVER_DATA = {
  version: 0x00080004,
  clientRequestedProtocols: 1,
  encryptionMethod: 0,
  encryptionLevel: 0,
  ioChannelId: 1003,
  channelIds: [1004, 1005],
  messageChannelId: 1008,
  multitransportFlags: 0,
};

describe('GCC Conference Create Response and server data', () => {
  it('reads the response even with the wrong connectPDU length of MS-RDPBCGR 4.1.4', () => {
    const ccr = Buffer.concat([
      hx`
        00 05 00 14 7c 00 01
        2a                              # connectPDU length: wrong in the spec's capture too
        14 76 0a 01 01 00 01 c0 00      # conferenceCreateResponse, nodeID, tag 1, success, one set
        4d 63 44 6e                     # "McDn"
        32                              # userData length 50
      `,
      SERVER_BLOCKS,
    ]);
    const blocks = decodeConferenceCreateResponse(ccr);
    expect(blocks).toEqual(SERVER_BLOCKS);
    expect(decodeServerData(blocks)).toEqual(SERVER_DATA);
  });

  it('encodes the response and the blocks back', () => {
    expect(encodeServerData(SERVER_DATA)).toEqual(SERVER_BLOCKS);
    const ccr = encodeConferenceCreateResponse(SERVER_BLOCKS);
    expect(ccr.subarray(0, 8)).toEqual(hx`00 05 00 14 7c 00 01 40`); // 9 + 4 + 1 + 50
    expect(decodeConferenceCreateResponse(ccr)).toEqual(SERVER_BLOCKS);
  });

  it('pads an odd channel list and reads a short SC_CORE', () => {
    const sd = {
      version: 0x00080004,
      encryptionMethod: 0,
      encryptionLevel: 0,
      ioChannelId: 1003,
      channelIds: [1004],
    };
    const bytes = hx`
      01 0c 08 00  04 00 08 00
      02 0c 0c 00  00 00 00 00  00 00 00 00
      03 0c 0c 00  eb 03 01 00  ec 03 00 00      # one channel, then two bytes of padding
    `;
    expect(encodeServerData(sd)).toEqual(bytes);
    expect(decodeServerData(bytes)).toEqual(sd);
  });

  it('skips unknown blocks and names a missing one', () => {
    const withUnknown = Buffer.concat([hx`99 0c 06 00 01 02`, SERVER_BLOCKS]);
    expect(decodeServerData(withUnknown)).toEqual(SERVER_DATA);
    expect(() => decodeServerData(hx`01 0c 08 00 04 00 08 00`)).toThrow(/no SC_SECURITY block/);
    expect(() => decodeUserDataBlocks(hx`01 0c 02 00`, 'server settings data')).toThrow(/length 2/);
    expect(() => decodeUserDataBlocks(hx`01 0c 10 00 00`, 'server settings data')).toThrow(/truncated/);
  });

  it('rejects a failed or non-RDP response', () => {
    const failed = hx`00 05 00 14 7c 00 01 2a 14 76 0a 01 01 01 01 c0 00 4d 63 44 6e 00`;
    expect(() => decodeConferenceCreateResponse(failed)).toThrow(/result 1/);
    expect(() => decodeConferenceCreateResponse(hx`00 05 00 14 7c 00 02 2a`)).toThrow(/T.124 identifier/);
  });
});

const CORE: ClientCoreData = {
  version: RDP_VERSION_10_7,
  desktopWidth: 1024,
  desktopHeight: 768,
  keyboardLayout: 0x409,
  clientBuild: 2600,
  clientName: 'tshjs',
  keyboardType: 4,
  keyboardSubType: 0,
  keyboardFunctionKey: 12,
  highColorDepth: 24,
  supportedColorDepths: 0x000b,
  earlyCapabilityFlags: 0x0023,
  connectionType: 6,
  serverSelectedProtocol: 1,
};

describe('client data blocks', () => {
  it('encodes TS_UD_CS_CORE field by field (216 bytes with its header)', () => {
    const block = encodeUserDataBlocks([encodeClientCoreData(CORE)]);
    expect(block).toEqual(hx`
      01 c0 d8 00                     # CS_CORE, length 216
      0c 00 08 00                     # version RDP 10.7 (0x0008000c)
      00 04 00 03                     # 1024 x 768
      01 ca 03 aa                     # colorDepth 8bpp (superseded), SASSequence
      09 04 00 00                     # keyboardLayout US
      28 0a 00 00                     # clientBuild 2600
      74 00 73 00 68 00 6a 00 73 00 ${zeros(22)}   # clientName "tshjs", 32 bytes UTF-16LE
      04 00 00 00  00 00 00 00  0c 00 00 00        # keyboard type, subtype, function keys
      ${zeros(64)}                                 # imeFileName
      01 ca  01 00  00 00 00 00       # postBeta2ColorDepth, clientProductId, serialNumber
      18 00                           # highColorDepth 24
      0b 00                           # supportedColorDepths 24|16|32 bpp
      23 00                           # earlyCapabilityFlags ERRINFO|WANT_32BPP|VALID_CONNECTION_TYPE
      ${zeros(64)}                                 # clientDigProductId
      06 00                           # connectionType LAN, pad
      01 00 00 00                     # serverSelectedProtocol TLS
    `);
    const [b] = decodeUserDataBlocks(block, 'client data');
    expect(b.type).toBe(CS_CORE);
    expect(decodeClientCoreData(b.data)).toEqual(CORE);
  });

  it('reads a short TS_UD_CS_CORE from an old client', () => {
    const data = encodeClientCoreData(CORE).data.subarray(0, 128); // up to imeFileName
    expect(decodeClientCoreData(data)).toMatchObject({
      desktopWidth: 1024,
      clientName: 'tshjs',
      highColorDepth: 0,
    });
  });

  it('encodes the security, cluster and network blocks', () => {
    const blocks = encodeUserDataBlocks([
      encodeClientSecurityData(),
      encodeClientClusterData(),
      encodeClientNetworkData([
        { name: 'rdpdr', options: 0x80800000 },
        { name: 'cliprdr', options: 0xc0a00000 },
      ]),
    ]);
    expect(blocks).toEqual(hx`
      02 c0 0c 00  00 00 00 00  00 00 00 00      # CS_SECURITY: no encryption methods
      04 c0 0c 00  0d 00 00 00  00 00 00 00      # CS_CLUSTER: REDIRECTION_SUPPORTED | version 4
      03 c0 20 00  02 00 00 00                   # CS_NET: two channels
        72 64 70 64 72 00 00 00  00 00 80 80     # "rdpdr"
        63 6c 69 70 72 64 72 00  00 00 a0 c0     # "cliprdr"
    `);
    const net = decodeUserDataBlocks(blocks, 'client data')[2];
    expect(net.type).toBe(CS_NET);
    expect(decodeClientNetworkData(net.data)).toEqual([
      { name: 'rdpdr', options: 0x80800000 },
      { name: 'cliprdr', options: 0xc0a00000 },
    ]);
  });
});
