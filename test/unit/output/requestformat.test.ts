// `tsh request` output: the ls table (order, expiry skip, Resources truncation and footnote,
// TTL rounding), the show block (review blocks glued as upstream's Fprint writes them), Go's JSON
// of AccessRequestV3 and its YAML (docs/access-requests.md).
process.env.TZ = 'UTC';

import { describe, expect, it } from 'vitest';
import {
  accessRequestJSON,
  approvalLine,
  dropLine,
  notApprovedMessage,
  requestDetails,
  requestTable,
  reviewResultLine,
  searchTable,
  serializeRequests,
  untilRounded,
} from '../../../src/output/requestformat.js';
import { RequestState, type AccessRequestV3 } from '../../../src/gen/teleport/legacy/types/types.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const H = 3600_000;

function req(name: string, over: Partial<NonNullable<AccessRequestV3['Spec']>> = {}): AccessRequestV3 {
  return {
    Kind: 'access_request',
    SubKind: '',
    Version: 'v3',
    Metadata: {
      Name: name,
      Namespace: 'default',
      Description: '',
      Labels: {},
      Expires: new Date(NOW.getTime() + 24 * H),
      Revision: '',
    },
    Spec: {
      User: 'alice',
      Roles: ['prod-access'],
      State: RequestState.PENDING,
      Created: new Date('2026-03-01T11:30:00Z'),
      Expires: new Date(NOW.getTime() + 8 * H),
      RequestReason: '',
      ResolveReason: '',
      ResolveAnnotations: undefined,
      SystemAnnotations: undefined,
      Thresholds: [],
      RoleThresholdMapping: {},
      Reviews: [],
      SuggestedReviewers: [],
      RequestedResourceIDs: [],
      LoginHint: '',
      DryRun: false,
      MaxDuration: undefined,
      SessionTTL: undefined,
      AccessList: undefined,
      AssumeStartTime: undefined,
      ResourceExpiry: undefined,
      ...over,
    },
  };
}

describe('request ls table', () => {
  it('lists newest first, skips expired access, truncates resources with the footnote', () => {
    const older = req('11111111-1111-4111-8111-111111111111', { Created: new Date('2026-03-01T10:00:00Z') });
    const newer = req('22222222-2222-4222-8222-222222222222', {
      Roles: ['a', 'b'],
      RequestedResourceIDs: [
        { ClusterName: 'cluster-one', Kind: 'node', Name: 'bbb56211', SubResourceName: '' },
      ],
      ResourceExpiry: new Date(NOW.getTime() + 30_000 + H),
      State: RequestState.APPROVED,
    });
    const expired = req('33333333-3333-4333-8333-333333333333', { Expires: new Date(NOW.getTime() - 1000) });
    expect(requestTable([older, expired, newer], NOW)).toBe(
      [
        'ID                                   User  Roles       Resources                   Created At (UTC)    Request TTL Session TTL Assume Time (UTC) Status   ',
        '------------------------------------ ----- ----------- --------------------------- ------------------- ----------- ----------- ----------------- -------- ',
        '22222222-2222-4222-8222-222222222222 alice a,b         ["/cluster-one/node/... [+] 01 Mar 26 11:30 UTC 1h1m0s      8h0m0s                        APPROVED ',
        '11111111-1111-4111-8111-111111111111 alice prod-access                             01 Mar 26 10:00 UTC 24h0m0s     8h0m0s                        PENDING  ',
        '',
        '[+] Requested resources truncated, use `tsh request show <request-id>` to view the full list',
        '',
        "hint: use 'tsh request show <request-id>' for additional details",
        "      use 'tsh login --request-id=<request-id>' to login with an approved request",
        '',
      ].join('\n'),
    );
  });

  it('rounds TTLs as Duration.Round(time.Minute) and saturates a zero expiry', () => {
    expect(untilRounded(new Date(NOW.getTime() + 90_000), NOW)).toBe('2m0s');
    expect(untilRounded(new Date(NOW.getTime() + 89_999), NOW)).toBe('1m0s');
    expect(untilRounded(new Date(NOW.getTime() - 90_000), NOW)).toBe('-2m0s');
    expect(untilRounded(new Date(NOW.getTime() + 29_000), NOW)).toBe('0s');
    expect(untilRounded(undefined, NOW)).toBe('-2562047h47m0s');
  });
});

describe('request show', () => {
  it('prints the headless table, review blocks and the hint', () => {
    const r = req('c418967c-2127-4f75-a6be-29b7983ceb3b', {
      RequestReason: 'incident "123"',
      SuggestedReviewers: ['bob', 'carol'],
      RequestedResourceIDs: [{ ClusterName: 'c', Kind: 'node', Name: 'n1', SubResourceName: '' }],
      State: RequestState.APPROVED,
      Reviews: [
        {
          Author: 'bob',
          Roles: [],
          ProposedState: RequestState.APPROVED,
          Reason: 'ok',
          Created: NOW,
          Annotations: undefined,
          ThresholdIndexes: [0],
          AccessList: undefined,
          AssumeStartTime: undefined,
        },
        {
          Author: 'dave',
          Roles: [],
          ProposedState: RequestState.DENIED,
          Reason: '',
          Created: NOW,
          Annotations: undefined,
          ThresholdIndexes: [],
          AccessList: undefined,
          AssumeStartTime: undefined,
        },
      ],
    });
    expect(requestDetails(r, { TZ: 'UTC' })).toBe(
      [
        'Request ID:     c418967c-2127-4f75-a6be-29b7983ceb3b ',
        'Username:       alice                                ',
        'Roles:          prod-access                          ',
        'Resources:      ["/c/node/n1"]                       ',
        'Reason:         "incident \\"123\\""                   ',
        'Reviewers:      bob, carol (suggested)               ',
        'Access Expires: 2026-03-01 20:00:00                  ',
        'Status:         APPROVED                             ',
        '------------------------------------------------Approvals:',
        '  ----------------------------------------------  Reviewer: bob  ',
        '  Reason:   "ok" ',
        '------------------------------------------------Denials:',
        '  ----------------------------------------------  Reviewer: dave   ',
        '  Reason:   [none] ',
        '',
        "hint: use 'tsh login --request-id=<request-id>' to login with an approved request",
        '',
      ].join('\n'),
    );
  });
});

describe('Go JSON and YAML of AccessRequestV3', () => {
  const r = req('c418967c-2127-4f75-a6be-29b7983ceb3b', {
    RequestReason: 'need <prod>',
    SuggestedReviewers: ['bob'],
    Thresholds: [{ Name: 'default', Filter: '', Approve: 1, Deny: 1 }],
    RoleThresholdMapping: { 'prod-access': { Sets: [{ Indexes: [0] }] } },
    RequestedResourceIDs: [{ ClusterName: 'c', Kind: 'node', Name: 'n1', SubResourceName: '' }],
    MaxDuration: new Date(NOW.getTime() + 8 * H),
    SessionTTL: new Date(NOW.getTime() + 8 * H),
    ResourceExpiry: new Date(NOW.getTime() + 24 * H),
  });

  it('keeps Go field order, omitempty and numeric states; zero times stay', () => {
    const j = accessRequestJSON({ ...r, Spec: { ...r.Spec!, MaxDuration: undefined } });
    expect(Object.keys(j)).toEqual(['kind', 'version', 'metadata', 'spec']);
    expect(Object.keys(j.spec as object)).toEqual([
      'user',
      'roles',
      'state',
      'created',
      'expires',
      'request_reason',
      'thresholds',
      'rtm',
      'suggested_reviewers',
      'resource_ids',
      'max_duration',
      'session_ttl',
      'expiry',
    ]);
    expect((j.spec as Record<string, unknown>).state).toBe(1);
    expect((j.spec as Record<string, unknown>).max_duration).toBe('0001-01-01T00:00:00Z');
    expect((j.spec as Record<string, unknown>).rtm).toEqual({ 'prod-access': { s: [{ i: [0] }] } });
  });

  it('prints JSON without a trailing newline (Fprint) and YAML via the JSON', () => {
    const json = serializeRequests('json', [r]);
    expect(
      json.startsWith(
        '[\n  {\n    "kind": "access_request",\n    "version": "v3",\n    "metadata": {\n      "name": "c418967c',
      ),
    ).toBe(true);
    expect(json.endsWith('}\n]')).toBe(true);
    expect(json).toContain('"request_reason": "need <prod>"'); // FastMarshalIndent: no HTML escaping
    expect(JSON.parse(json)[0].spec.resource_ids).toEqual([{ cluster: 'c', kind: 'node', name: 'n1' }]);
    expect(serializeRequests('json', [])).toBe('[]');
    const yaml = serializeRequests('yaml', r);
    expect(yaml).toContain(
      'kind: access_request\nmetadata:\n  expires: "2026-03-02T12:00:00Z"\n  name: c418967c-2127-4f75-a6be-29b7983ceb3b\nspec:\n',
    );
    expect(yaml).toContain('  state: 1\n');
    expect(yaml.endsWith('version: v3\n')).toBe(true);
  });
});

describe('lines', () => {
  it('review, approval, resolution and drop texts', () => {
    expect(reviewResultLine(RequestState.APPROVED, RequestState.PENDING)).toBe(
      'Successfully submitted review.  Request state: PENDING\n',
    );
    expect(reviewResultLine(RequestState.APPROVED, RequestState.APPROVED)).toBe(
      'Successfully submitted review.  Request state: APPROVED\n',
    );
    expect(reviewResultLine(RequestState.APPROVED, RequestState.DENIED)).toBe(
      'Warning: ineffectual review. Request state: DENIED\n',
    );
    expect(approvalLine('')).toBe('\nApproval received, getting updated certificates...\n\n');
    expect(approvalLine('go')).toBe('\nApproval received, reason="go"\nGetting updated certificates...\n\n');
    const denied = req('x', { State: RequestState.DENIED, ResolveReason: 'not now' });
    expect(notApprovedMessage(denied)).toBe('request x has been set to DENIED, reason="not now"');
    expect(dropLine(['*'])).toBe('Dropping all active access requests...\n\n');
    expect(dropLine(['a', 'b'])).toBe('Dropping access request(s): a, b...\n\n');
  });

  it('search table with the create trailer', () => {
    const out = searchTable(
      'node',
      'c',
      [
        { kind: 'node', name: 'n1', hostname: 'prod-1', labels: { env: 'prod' } },
        { kind: 'node', name: 'n1', hostname: 'prod-1', labels: { env: 'prod' } },
      ],
      true,
      80,
    );
    expect(out).toBe(
      [
        'Name Hostname Labels   Resource ID ',
        '---- -------- -------- ----------- ',
        'n1   prod-1   env=prod /c/node/n1  ',
        '',
        'To request access to these resources, run',
        '> tsh request create --resource /c/node/n1 \\',
        '    --reason <request reason>',
        '',
        '',
      ].join('\n'),
    );
  });
});
