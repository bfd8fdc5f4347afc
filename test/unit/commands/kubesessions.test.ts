// tshjs kube sessions output: printSessions' table (k8s trackers only, oldest first, blank line
// after) and serializeKubeSessions' Go JSON/YAML of types.SessionTrackerV1 — built from the tracker
// the dev cluster's Kubernetes service registers for an exec session.
import { describe, expect, it } from 'vitest';
import {
  SESSION_COLUMNS,
  sessionStateString,
  sessionTrackerJSON,
  sessionsDocument,
  sessionsTable,
} from '../../../src/commands/kubesessions.js';
import { SessionTrackers, kubeSessionTracker } from '../../../src/devcluster/kube/trackers.js';
import { SessionState, type SessionTrackerV1 } from '../../../src/gen/teleport/legacy/types/types.js';

const T0 = new Date('2026-12-02T10:00:00.5Z');

function tracker(id: string, at: Date, reason = ''): SessionTrackerV1 {
  return kubeSessionTracker({
    sessionId: id,
    clusterName: 'test.localhost',
    kubeCluster: 'dev-kube',
    namespace: 'default',
    pod: 'web-0',
    user: 'alice',
    roles: [{ name: 'kube-dev' } as never],
    hostId: 'host-1',
    command: ['sh', '-c', 'sleep 5'],
    reason,
    now: at,
  });
}

describe('kube sessions text', () => {
  it('prints upstream columns, k8s trackers only, oldest first, then a blank line', () => {
    const late = tracker('bbbb', new Date(T0.getTime() + 60_000), 'debugging');
    const early = tracker('aaaa', T0);
    const ssh = tracker('cccc', T0);
    ssh.Spec!.Kind = 'ssh';
    late.Spec!.State = SessionState.SessionStateRunning;
    const out = sessionsTable([late, ssh, early]);
    const lines = out.split('\n');
    expect(lines[0]!.split(/\s+/).filter(Boolean)).toEqual(SESSION_COLUMNS);
    expect(lines[2]).toMatch(
      /^aaaa\s+SessionStatePending\s+2026-12-02T10:00:00Z\s+default\/web-0\s+root\s*$/,
    );
    expect(lines[3]).toMatch(
      /^bbbb\s+SessionStateRunning\s+2026-12-02T10:01:00Z\s+default\/web-0\s+root\s+debugging $/,
    );
    expect(out.endsWith('\n\n')).toBe(true);
    expect(lines).toHaveLength(6);
  });

  it('an empty list is the header and dashes', () => {
    expect(sessionsTable([])).toBe(
      // asciitable: tabwriter minwidth 5, padding 1, trailing spaces kept.
      'ID   State Created Hostname Address Login Reason \n--   ----- ------- -------- ------- ----- ------ \n\n',
    );
  });

  it('state names as Go prints them', () => {
    expect(sessionStateString(SessionState.SessionStateTerminated)).toBe('SessionStateTerminated');
    expect(sessionStateString(7 as SessionState)).toBe('7');
  });
});

describe('kube sessions JSON/YAML', () => {
  it('renders SessionTrackerV1 with Go field order, omitempty and zero times', () => {
    const store = new SessionTrackers();
    store.start({
      sessionId: 's-1',
      clusterName: 'test.localhost',
      kubeCluster: 'dev-kube',
      namespace: 'default',
      pod: 'web-0',
      user: 'alice',
      roles: [{ name: 'kube-dev' } as never],
      hostId: 'host-1',
      command: ['cat'],
      invited: ['bob'],
      now: T0,
    });
    store.running('s-1', 'alice', T0);
    const [t] = store.visibleTo('alice');
    expect(store.visibleTo('bob')).toEqual([]);
    const j = sessionTrackerJSON(t!);
    const pid = (j.spec as { participants: Array<{ id: string }> }).participants[0]!.id;
    expect(j).toEqual({
      kind: 'session_tracker',
      version: 'v1',
      metadata: { name: 's-1', expires: '2026-12-02T11:00:00.5Z' },
      spec: {
        session_id: 's-1',
        kind: 'k8s',
        state: 1,
        created: '2026-12-02T10:00:00.5Z',
        expires: '0001-01-01T00:00:00Z',
        invited: ['bob'],
        target_hostname: 'default/web-0',
        cluster_name: 'test.localhost',
        login: 'root',
        participants: [{ id: pid, user: 'alice', mode: 'peer', last_active: '2026-12-02T10:00:00.5Z' }],
        kubernetes_cluster: 'dev-kube',
        host_user: 'alice',
        host_roles: [{ name: 'kube-dev', version: 'v7' }],
        host_id: 'host-1',
        initial_command: ['cat'],
      },
    });
    expect(Object.keys(j.spec as object).slice(0, 5)).toEqual([
      'session_id',
      'kind',
      'state',
      'created',
      'expires',
    ]);
    const json = sessionsDocument('json', [t!]);
    expect(json.startsWith('[\n  {\n    "kind": "session_tracker",\n')).toBe(true);
    expect(json.endsWith(']\n')).toBe(true);
    const yaml = sessionsDocument('yaml', [t!]);
    expect(yaml).toContain('- kind: session_tracker\n  metadata:\n    expires: "2026-12-02T11:00:00.5Z"\n');
    expect(yaml.endsWith('\n\n')).toBe(true);
    store.end('s-1');
    expect(store.size).toBe(0);
  });

  it('no sessions: a nil slice, null', () => {
    expect(sessionsDocument('json', [])).toBe('null\n');
    expect(sessionsDocument('yaml', [])).toBe('null\n\n');
  });
});
