// Byte-level tests of the Kubernetes remote command channel framing (v4/v5.channel.k8s.io),
// the error-channel Status kubectl reads the exit code from, the impersonation rules and the
// kube config/role helpers.
import { describe, expect, it } from 'vitest';
import {
  CHANNEL,
  ChannelFrameError,
  decodeChannelFrame,
  encodeChannelFrame,
  exitStatus,
  PROTOCOL_V4,
  PROTOCOL_V5,
} from '../../../src/devcluster/kube/channels.js';
import { globMatch, kubeCluster, resourceRulesMatch } from '../../../src/devcluster/kube/config.js';
import { humanAge, wantsTable } from '../../../src/devcluster/kube/api.js';
import { impersonation } from '../../../src/devcluster/kube/service.js';
import { shellQuote } from '../../../src/devcluster/kube/exec.js';

describe('exec channel frames', () => {
  it('puts the channel byte before the data', () => {
    expect(encodeChannelFrame(CHANNEL.stdout, Buffer.from('hi\n'))).toEqual(
      Buffer.from([1, 0x68, 0x69, 0x0a]),
    );
    expect(encodeChannelFrame(CHANNEL.stderr, 'x')).toEqual(Buffer.from([2, 0x78]));
    expect(encodeChannelFrame(CHANNEL.error)).toEqual(Buffer.from([3]));
    expect(() => encodeChannelFrame(256)).toThrow(ChannelFrameError);
  });

  it('decodes stdin, resize and the v5 close signal', () => {
    expect(decodeChannelFrame(Buffer.from([0, 0x61, 0x62]), PROTOCOL_V5)).toEqual({
      type: 'stdin',
      data: Buffer.from('ab'),
    });
    expect(decodeChannelFrame(Buffer.from([0]), PROTOCOL_V5)).toEqual({
      type: 'stdin',
      data: Buffer.alloc(0),
    });
    const resize = Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":120,"Height":40}')]);
    expect(decodeChannelFrame(resize, PROTOCOL_V4)).toEqual({ type: 'resize', width: 120, height: 40 });
    expect(decodeChannelFrame(Buffer.from([255, 0]), PROTOCOL_V5)).toEqual({ type: 'close', channel: 0 });
    // v4 has no close signal: 255 is just an unknown channel.
    expect(decodeChannelFrame(Buffer.from([255, 0]), PROTOCOL_V4)).toEqual({
      type: 'other',
      channel: 255,
      data: Buffer.from([0]),
    });
  });

  it('refuses malformed client messages', () => {
    expect(() => decodeChannelFrame(Buffer.alloc(0), PROTOCOL_V5)).toThrow(/no channel byte/);
    expect(() => decodeChannelFrame(Buffer.from([255]), PROTOCOL_V5)).toThrow(/close message of 0 bytes/);
    expect(() => decodeChannelFrame(Buffer.from([255, 0, 1]), PROTOCOL_V5)).toThrow(/2 bytes/);
    expect(() => decodeChannelFrame(Buffer.from([4, 0x7b]), PROTOCOL_V5)).toThrow(/not JSON/);
    const bad = Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":-1,"Height":2}')]);
    expect(() => decodeChannelFrame(bad, PROTOCOL_V5)).toThrow(/Width and Height/);
  });

  it('reports exit codes as client-go reads them (NonZeroExitCode, ExitCode cause)', () => {
    expect(exitStatus(0, ['true'])).toEqual({ metadata: {}, status: 'Success' });
    const s = exitStatus(3, ['sh', '-c', 'exit 3']);
    expect(s).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    const frame = encodeChannelFrame(CHANNEL.error, JSON.stringify(s));
    expect(frame[0]).toBe(3);
    expect(JSON.parse(frame.subarray(1).toString())).toEqual(s);
  });
});

describe('impersonation (computeImpersonatedPrincipals)', () => {
  const users = new Set(['alice']);
  const groups = new Set(['viewers', 'system:authenticated']);
  it('defaults to the one user and every group', () => {
    expect(impersonation({}, users, groups)).toEqual({
      user: 'alice',
      groups: ['viewers', 'system:authenticated'],
    });
  });
  it('keeps asked-for principals within the allowed ones', () => {
    expect(
      impersonation({ 'impersonate-user': ['alice'], 'impersonate-group': ['viewers'] }, users, groups),
    ).toEqual({
      user: 'alice',
      groups: ['viewers'],
    });
    expect(() => impersonation({ 'impersonate-group': ['admins'] }, users, groups)).toThrow(
      'impersonation request has been denied, group header "admins" value is not allowed in roles',
    );
    expect(() => impersonation({ 'impersonate-user': ['root'] }, users, groups)).toThrow(
      'impersonation request has been denied, user header "root" is not allowed in roles',
    );
    expect(() => impersonation({ 'impersonate-uid': ['1'] }, users, groups)).toThrow(
      'unsupported impersonation header "Impersonate-Uid"',
    );
    expect(() => impersonation({}, new Set(['a', 'b']), groups)).toThrow(
      /please select a user to impersonate/,
    );
  });
});

describe('kube config helpers', () => {
  it('gives a cluster without namespaces one default pod', () => {
    const c = kubeCluster({ name: 'k', labels: { env: 'dev' } }, 0);
    expect([...c.namespaces.keys()]).toEqual(['default']);
    expect(c.namespaces.get('default')![0]).toMatchObject({ name: 'web-0', containers: [{ name: 'web' }] });
    expect(() =>
      kubeCluster({ name: 'k', namespaces: { default: { pods: [{ name: 'Bad_Name' }] } } }, 0),
    ).toThrow(/not a valid name/);
  });

  it('matches kubernetes_resources globs and verbs', () => {
    expect(globMatch('web-*', 'web-0')).toBe(true);
    expect(globMatch('web-*', 'db-0')).toBe(false);
    const rules = [{ kind: 'pod', namespace: 'default', name: 'web-*', verbs: ['get'] }];
    expect(resourceRulesMatch(rules, { kind: 'pod', namespace: 'default', name: 'web-1' }, 'get')).toBe(true);
    expect(resourceRulesMatch(rules, { kind: 'pod', namespace: 'default', name: 'web-1' }, 'exec')).toBe(
      false,
    );
    expect(resourceRulesMatch(rules, { kind: 'pod', namespace: 'other', name: 'web-1' }, 'get')).toBe(false);
  });

  it('reads the Table Accept header and prints ages as the apiserver does', () => {
    expect(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json')).toBe(true);
    expect(wantsTable('application/json')).toBe(false);
    expect([humanAge(5_000), humanAge(150_000), humanAge(3 * 3600_000), humanAge(50 * 3600_000)]).toEqual([
      '5s',
      '2m30s',
      '3h',
      '2d2h',
    ]);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
