// The client-side session policies: --clipboard values, and the answer to a shared-directory
// request when nothing is shared (both dialects, byte for byte through the serializers).
import { describe, expect, it } from 'vitest';
import { encodeOutgoing } from '../../../src/tdp/outgoing.js';
import {
  allowsFromRemote,
  allowsToRemote,
  parseClipboardPolicy,
  refuseDirectoryRequest,
} from '../../../src/tdp/policy.js';
import { tdpb } from '../../../src/wire/tdp/tdpb.js';

describe('clipboard policy', () => {
  it('parses the four values and refuses others', () => {
    expect(['both', 'to-remote', 'from-remote', 'off'].map(parseClipboardPolicy)).toEqual([
      'both',
      'to-remote',
      'from-remote',
      'off',
    ]);
    expect(() => parseClipboardPolicy('in')).toThrow(
      'invalid --clipboard "in": use both, to-remote, from-remote, off',
    );
    expect(['both', 'to-remote', 'from-remote', 'off'].map((p) => allowsToRemote(p as never))).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(['both', 'to-remote', 'from-remote', 'off'].map((p) => allowsFromRemote(p as never))).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });
});

describe('refused directory requests', () => {
  it('legacy TDP: the matching response with err_code 1', () => {
    const info = refuseDirectoryRequest({
      kind: 'sharedDirectoryInfoRequest',
      completionId: 7,
      directoryId: 1,
      path: 'a',
    })!;
    // type 14, completion_id 7, err_code 1, fso: last_modified u64, size u64, file_type u32,
    // is_empty u8, path string ("").
    expect(encodeOutgoing(info).toString('hex')).toBe(
      '0e' + '00000007' + '00000001' + '0'.repeat(16) + '0'.repeat(16) + '00000000' + '01' + '00000000',
    );
    const del = refuseDirectoryRequest({
      kind: 'sharedDirectoryDeleteRequest',
      completionId: 9,
      directoryId: 1,
      path: 'a',
    })!;
    expect(encodeOutgoing(del).toString('hex')).toBe('12' + '00000009' + '00000001');
    expect(refuseDirectoryRequest({ kind: 'alert', message: 'x', severity: 0 })).toBeUndefined();
  });

  it('TDPB: a SharedDirectoryResponse with error_code 1', () => {
    const r = refuseDirectoryRequest(
      tdpb('sharedDirectoryRequest', { directoryId: 1, completionId: 5, operation: undefined }),
    )!;
    expect(r).toEqual({
      dialect: 'tdpb',
      message: tdpb('sharedDirectoryResponse', { completionId: 5, errorCode: 1 }),
    });
    expect(refuseDirectoryRequest(tdpb('ping', { uuid: Buffer.alloc(16) }))).toBeUndefined();
  });
});
