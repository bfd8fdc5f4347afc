import { describe, expect, it } from 'vitest';
import { approvalText } from '../../../src/client/headless.js';
import { isYes, stateName } from '../../../src/client/headlessapprove.js';
import { wantsHeadless } from '../../../src/client/headlessflag.js';
import { headlessAuthenticationId } from '../../../src/wire/headlessid.js';
import { HeadlessAuthenticationState } from '../../../src/gen/teleport/legacy/types/types.js';

describe('headless authentication ID (uuid.NewHash(sha256, uuid.Nil, key, 5))', () => {
  // Vectors from an independent implementation of google/uuid NewHash (Python hashlib).
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n';

  it('hashes the nil namespace and the authorized_keys line, newline included', () => {
    expect(headlessAuthenticationId(key)).toBe('ab087592-9934-527a-b5c8-beced8effb07');
    expect(headlessAuthenticationId('')).toBe('374708ff-f771-5dd5-979e-c875d56cd228');
    expect(headlessAuthenticationId(key.trimEnd())).not.toBe(headlessAuthenticationId(key));
  });

  it('is a version 5, RFC 4122 variant UUID, the same for a string and its bytes', () => {
    const id = headlessAuthenticationId(Buffer.from(key));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(headlessAuthenticationId(key)).toBe(id);
  });
});

describe('headless flags and texts', () => {
  it('--headless, TELEPORT_HEADLESS (a Go bool) or --auth=headless', () => {
    expect(wantsHeadless({ headless: true })).toBe(true);
    expect(wantsHeadless({ headless: 'true' })).toBe(true);
    expect(wantsHeadless({ headless: '1' })).toBe(true);
    expect(wantsHeadless({ headless: 'false' })).toBe(false);
    expect(wantsHeadless({ headless: '0' })).toBe(false);
    expect(wantsHeadless({ auth: 'headless' })).toBe(true);
    expect(wantsHeadless({ auth: 'local' })).toBe(false);
    expect(wantsHeadless({})).toBe(false);
  });

  it('prints the approval URL and the tsh headless approve command as upstream', () => {
    expect(approvalText('proxy.example.com:443', 'alice', 'b1d4215f-a481-5c02-8425-7716b840c62f')).toBe(
      'Complete headless authentication in your local web browser:\n\n' +
        'https://proxy.example.com:443/web/headless/b1d4215f-a481-5c02-8425-7716b840c62f\n\n' +
        'or execute this command in your local terminal:\n\n' +
        'tsh headless approve --user=alice --proxy=proxy.example.com:443 b1d4215f-a481-5c02-8425-7716b840c62f\n',
    );
  });

  it('confirmation is yes only for y/yes; states print without their prefix', () => {
    expect(['y', 'Y', 'yes', ' YES '].map(isYes)).toEqual([true, true, true, true]);
    expect(['', 'n', 'no', 'yep'].map(isYes)).toEqual([false, false, false, false]);
    expect(stateName(HeadlessAuthenticationState.HEADLESS_AUTHENTICATION_STATE_DENIED)).toBe('denied');
  });
});
