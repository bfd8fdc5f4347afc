// The client end of the clipboard channel (MS-RDPECLIP 1.3.2), text only, as a state machine
// without IO: channel chunks in, channel chunks out. As upstream's desktop service does:
//  - after the server's Monitor Ready, send our capabilities (long format names) and a format
//    list: CF_UNICODETEXT when local text is waiting, else an empty list;
//  - a server Format List (something was copied on the desktop) is acknowledged, and its text
//    requested (CF_UNICODETEXT, else CF_TEXT / CF_OEMTEXT); the answer is reported as remote text;
//  - local text (the user's clipboard) is announced with a Format List and handed over when the
//    server asks for it (a paste on the desktop), with CRLF line ends and a NUL.
import {
  CB_RESPONSE_FAIL,
  CB_RESPONSE_OK,
  CB_USE_LONG_FORMAT_NAMES,
  CF_OEMTEXT,
  CF_TEXT,
  CF_UNICODETEXT,
  ChannelDefragmenter,
  chunkChannelData,
  CHANNEL_FLAG_SHOW_PROTOCOL,
  decodeAnsiText,
  decodeCliprdr,
  decodeUnicodeText,
  encodeCaps,
  encodeFormatDataRequest,
  encodeFormatDataResponse,
  encodeFormatList,
  encodeFormatListResponse,
  encodeUnicodeText,
  type CliprdrFormat,
} from './cliprdr.js';

export interface CliprdrClientOptions {
  /** Text copied on the remote desktop. */
  onRemoteText?: (text: string) => void;
  log?: (line: string) => void;
}

const TEXT_FORMATS = [CF_UNICODETEXT, CF_TEXT, CF_OEMTEXT];

export class CliprdrClient {
  private readonly defrag = new ChannelDefragmenter();
  private serverLongNames = false;
  private initialized = false;
  private localText?: string;
  /** The format of the request in flight (responses carry no format id). */
  private requested?: number;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: CliprdrClientOptions = {}) {
    this.log = opts.log ?? (() => {});
  }

  /** True once the server sent Monitor Ready and got our capabilities. */
  get ready(): boolean {
    return this.initialized;
  }

  private get longNames(): boolean {
    return this.serverLongNames;
  }

  private out(pdu: Buffer): Buffer[] {
    return chunkChannelData(pdu, CHANNEL_FLAG_SHOW_PROTOCOL);
  }

  private formatList(): Buffer[] {
    const formats: CliprdrFormat[] = this.localText === undefined ? [] : [{ id: CF_UNICODETEXT, name: '' }];
    return this.out(encodeFormatList(formats, this.longNames));
  }

  /** The user's clipboard changed: announce it (sent at once once the channel is up). */
  setLocalText(text: string): Buffer[] {
    this.localText = text;
    return this.initialized ? this.formatList() : [];
  }

  /** One chunk received on the channel; returns the chunks to send back. */
  receive(chunk: Buffer): Buffer[] {
    const whole = this.defrag.push(chunk);
    if (!whole) return [];
    const pdu = decodeCliprdr(whole, this.longNames);
    switch (pdu.type) {
      case 'caps':
        this.serverLongNames = (pdu.generalFlags & CB_USE_LONG_FORMAT_NAMES) !== 0;
        this.log(
          `cliprdr: server capabilities version ${pdu.version}, flags 0x${pdu.generalFlags.toString(16)}`,
        );
        return [];
      case 'monitor-ready':
        this.initialized = true;
        return [...this.out(encodeCaps(CB_USE_LONG_FORMAT_NAMES)), ...this.formatList()];
      case 'format-list': {
        const ack = this.out(encodeFormatListResponse(true));
        const ids = new Set(pdu.formats.map((f) => f.id));
        const want = TEXT_FORMATS.find((f) => ids.has(f));
        if (want === undefined) {
          this.log(`cliprdr: remote copy without text (formats ${[...ids].join(', ')})`);
          return ack;
        }
        this.requested = want;
        return [...ack, ...this.out(encodeFormatDataRequest(want))];
      }
      case 'format-list-response':
        if (pdu.flags & CB_RESPONSE_FAIL) this.log('cliprdr: the server refused our format list');
        return [];
      case 'format-data-request': {
        const text = this.localText;
        const data =
          text !== undefined && pdu.formatId === CF_UNICODETEXT ? encodeUnicodeText(text) : undefined;
        return this.out(encodeFormatDataResponse(data));
      }
      case 'format-data-response': {
        const format = this.requested;
        this.requested = undefined;
        if (!(pdu.flags & CB_RESPONSE_OK) || format === undefined) {
          this.log('cliprdr: the server could not give the copied data');
          return [];
        }
        const text = format === CF_UNICODETEXT ? decodeUnicodeText(pdu.data) : decodeAnsiText(pdu.data);
        this.opts.onRemoteText?.(text);
        return [];
      }
      default:
        this.log(`cliprdr: ignored message type ${pdu.msgType}`);
        return [];
    }
  }
}
