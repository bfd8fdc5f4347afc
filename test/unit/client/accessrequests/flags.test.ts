// executeAccessRequest's checks before any network use, the request it builds, and the client-side
// `request ls` filters (tool/tsh/common/tsh.go, access_request.go).
import { describe, expect, it } from 'vitest';
import { filterRequests, newAccessRequest, splitIdentifiers } from '../../../../src/client/accessrequests.js';
import { parseAssumeStartTime, validateRequestFlags } from '../../../../src/commands/request.js';
import { RequestState, type AccessRequestV3 } from '../../../../src/gen/teleport/legacy/types/types.js';

describe('request flags', () => {
  it('needs roles, resources or a request ID', () => {
    expect(() => validateRequestFlags({})).toThrow(
      'at least one role or resource or a request ID must be specified',
    );
    expect(() => validateRequestFlags({ roles: ' , ' })).toThrow('at least one role');
    expect(validateRequestFlags({ roles: 'a' })).toEqual({
      requestTtlMs: undefined,
      sessionTtlMs: undefined,
      maxDurationMs: undefined,
      assumeStartTime: undefined,
    });
  });

  it('checks TTLs and the start time as tsh does', () => {
    expect(() => validateRequestFlags({ roles: 'a', requestTtl: '-1h' })).toThrow(
      'request TTL value must be greater than zero',
    );
    expect(() => validateRequestFlags({ roles: 'a', sessionTtl: '-5m' })).toThrow(
      'session TTL value must be greater than zero',
    );
    expect(validateRequestFlags({ roles: 'a', requestTtl: '1h30m', maxDuration: '8h' })).toMatchObject({
      requestTtlMs: 5_400_000,
      maxDurationMs: 28_800_000,
    });
    expect(parseAssumeStartTime('2023-12-12T23:20:50.52Z')?.toISOString()).toBe('2023-12-12T23:20:50.520Z');
    expect(() => parseAssumeStartTime('tomorrow')).toThrow(
      /^parsing assume-start-time \(required format RFC3339 e\.g 2023-12-12T23:20:50\.52Z\): parsing time "tomorrow"/,
    );
  });

  it('SplitIdentifiers splits on commas and white space', () => {
    expect(splitIdentifiers('a, b  c,,d\n')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('builds a pending v3 request with a UUID name and sorted unique roles', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const r = newAccessRequest({
      user: 'alice',
      roles: ['b', 'a', 'b'],
      resources: [],
      reason: 'why',
      reviewers: ['bob'],
      requestTtlMs: 3_600_000,
      sessionTtlMs: 7_200_000,
      now,
    });
    expect(r.Kind).toBe('access_request');
    expect(r.Version).toBe('v3');
    expect(r.Metadata?.Name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.Spec).toMatchObject({
      User: 'alice',
      Roles: ['a', 'b'],
      State: RequestState.PENDING,
      RequestReason: 'why',
      SuggestedReviewers: ['bob'],
      ResourceExpiry: new Date('2026-01-01T01:00:00Z'),
      Expires: new Date('2026-01-01T02:00:00Z'),
      MaxDuration: undefined,
    });
  });
});

describe('request ls filters', () => {
  const req = (name: string, user: string, reviewers: string[], reviewedBy: string[] = []) =>
    ({
      Metadata: { Name: name },
      Spec: {
        User: user,
        SuggestedReviewers: reviewers,
        Reviews: reviewedBy.map((Author) => ({ Author })),
      },
    }) as unknown as AccessRequestV3;
  const all = [
    req('1', 'alice', ['bob']),
    req('2', 'bob', []),
    req('3', 'carol', []),
    req('4', 'dan', ['bob'], ['bob']),
  ];
  const names = (rs: AccessRequestV3[]) => rs.map((r) => r.Metadata?.Name);

  it('--reviewable, --suggested and --my-requests', () => {
    expect(names(filterRequests(all, 'bob', { reviewable: true }))).toEqual(['1', '3']);
    expect(names(filterRequests(all, 'bob', { suggested: true }))).toEqual(['1']);
    expect(names(filterRequests(all, 'bob', { myRequests: true }))).toEqual(['2']);
    expect(names(filterRequests(all, 'bob', {}))).toEqual(['1', '2', '3', '4']);
  });
});
