// What a desktop session lets through besides screen and input, decided on the client whatever
// the service allows: the clipboard direction (--clipboard), no directory sharing, and how long a
// session may sit without input (--idle-timeout). The per-gateway policies of ADR-015, for the
// desktops tshjs opens.
import { SharedDirectoryErrCode, type TdpMessage } from '../wire/tdp/messages.js';
import { tdpb, type TdpbMessage } from '../wire/tdp/tdpb.js';
import { TshError } from '../util/errors.js';
import type { Outgoing } from './outgoing.js';

/**
 * both: text goes both ways (upstream's default when the service enables the clipboard);
 * to-remote: the user's text may go to the desktop, nothing copied there comes back;
 * from-remote: text copied on the desktop comes back, nothing goes to it; off: neither.
 */
export type ClipboardPolicy = 'both' | 'to-remote' | 'from-remote' | 'off';

export const CLIPBOARD_POLICIES: readonly ClipboardPolicy[] = ['both', 'to-remote', 'from-remote', 'off'];
export const DEFAULT_CLIPBOARD_POLICY: ClipboardPolicy = 'both';

export function parseClipboardPolicy(text: string): ClipboardPolicy {
  if ((CLIPBOARD_POLICIES as readonly string[]).includes(text)) return text as ClipboardPolicy;
  throw new TshError(
    `invalid --clipboard ${JSON.stringify(text)}: use ${CLIPBOARD_POLICIES.join(', ')}`,
    'bad-parameter',
  );
}

export const allowsToRemote = (p: ClipboardPolicy) => p === 'both' || p === 'to-remote';
export const allowsFromRemote = (p: ClipboardPolicy) => p === 'both' || p === 'from-remote';

/** Shown by --help and when directory sharing is asked for. */
export const DIRECTORY_SHARING_REFUSED =
  'directory sharing is not supported by tshjs: no local directory is ever shared with a desktop';

/** The legacy TDP shared-directory requests a service may send. */
const LEGACY_REQUESTS = new Set<TdpMessage['kind']>([
  'sharedDirectoryInfoRequest',
  'sharedDirectoryCreateRequest',
  'sharedDirectoryDeleteRequest',
  'sharedDirectoryReadRequest',
  'sharedDirectoryWriteRequest',
  'sharedDirectoryMoveRequest',
  'sharedDirectoryListRequest',
  'sharedDirectoryTruncateRequest',
]);

const NO_FSO = { lastModified: 0n, size: 0n, fileType: 0, isEmpty: true, path: '' };

/**
 * The answer to a shared-directory request from the service, when nothing is shared: the same
 * operation's response with the "failed" error code (as a client without that directory answers);
 * undefined for messages that are not such requests.
 */
export function refuseDirectoryRequest(m: TdpMessage | TdpbMessage): Outgoing | undefined {
  const failed = SharedDirectoryErrCode.failed;
  if ('$case' in m) {
    if (m.$case !== 'sharedDirectoryRequest') return undefined;
    return {
      dialect: 'tdpb',
      message: tdpb('sharedDirectoryResponse', { completionId: m.value.completionId, errorCode: failed }),
    };
  }
  if (!LEGACY_REQUESTS.has(m.kind) || !('completionId' in m)) return undefined;
  const completionId = m.completionId;
  const base = { completionId, errCode: failed };
  let message: TdpMessage;
  switch (m.kind) {
    case 'sharedDirectoryInfoRequest':
      message = { kind: 'sharedDirectoryInfoResponse', ...base, fso: NO_FSO };
      break;
    case 'sharedDirectoryCreateRequest':
      message = { kind: 'sharedDirectoryCreateResponse', ...base, fso: NO_FSO };
      break;
    case 'sharedDirectoryDeleteRequest':
      message = { kind: 'sharedDirectoryDeleteResponse', ...base };
      break;
    case 'sharedDirectoryReadRequest':
      message = { kind: 'sharedDirectoryReadResponse', ...base, data: Buffer.alloc(0) };
      break;
    case 'sharedDirectoryWriteRequest':
      message = { kind: 'sharedDirectoryWriteResponse', ...base, bytesWritten: 0 };
      break;
    case 'sharedDirectoryMoveRequest':
      message = { kind: 'sharedDirectoryMoveResponse', ...base };
      break;
    case 'sharedDirectoryListRequest':
      message = { kind: 'sharedDirectoryListResponse', ...base, fsoList: [] };
      break;
    default:
      message = { kind: 'sharedDirectoryTruncateResponse', ...base };
  }
  return { dialect: 'tdp', message };
}
