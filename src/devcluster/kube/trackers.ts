// Session trackers (types.SessionTrackerV1) of the dev cluster's live Kubernetes exec sessions,
// which AuthService.GetActiveSessionTrackers lists (`tsh kube sessions`). Upstream the Kubernetes
// service creates one per session (lib/kube/proxy/sess.go trackSession), adds each party as a
// participant, moves it to Running when the session starts and to Terminated when it ends; the
// auth server then drops it. Here the tracker lives in memory and goes away with the session.
import { randomUUID } from 'node:crypto';
import {
  SessionState,
  type SessionTrackerSpecV1,
  type SessionTrackerV1,
} from '../../gen/teleport/legacy/types/types.js';
import type { RoleConfig } from '../config.js';

/** types.KubernetesSessionKind and KindSessionTracker (api/types/session_tracker.go, constants.go). */
export const KUBERNETES_SESSION_KIND = 'k8s';
export const KIND_SESSION_TRACKER = 'session_tracker';
/** api/defaults SessionTrackerTTL: a tracker's resource expiry when the spec sets none. */
export const SESSION_TRACKER_TTL_MS = 60 * 60 * 1000;

export interface KubeTrackerStart {
  sessionId: string;
  clusterName: string;
  kubeCluster: string;
  namespace: string;
  pod: string;
  /** The Teleport user whose session it is (HostUser, and the one participant). */
  user: string;
  roles: readonly RoleConfig[];
  hostId: string;
  command: string[];
  reason?: string;
  invited?: string[];
  now: Date;
}

/** The tracker upstream's trackSession builds, with the initiator already joined (peer mode). */
export function kubeSessionTracker(s: KubeTrackerStart): SessionTrackerV1 {
  const spec: SessionTrackerSpecV1 = {
    SessionID: s.sessionId,
    Kind: KUBERNETES_SESSION_KIND,
    State: SessionState.SessionStatePending,
    Created: s.now,
    // Upstream leaves Spec.Expires unset; only the resource (metadata) expiry is set.
    Expires: undefined,
    AttachedData: '',
    Reason: s.reason ?? '',
    Invited: s.invited ?? [],
    // Newer upstream: path.Join(namespace, pod); older ones: the pod name alone.
    Hostname: `${s.namespace}/${s.pod}`,
    Address: '',
    ClusterName: s.clusterName,
    // Upstream writes "root" for every kube session.
    Login: 'root',
    Participants: [],
    KubernetesCluster: s.kubeCluster,
    HostUser: s.user,
    // SessionPolicySets of the host's roles: name and version (require_session_join not kept).
    HostPolicies: s.roles.map((r) => ({ Name: r.name, Version: 'v7' })),
    DatabaseName: '',
    AppName: '',
    AppSessionID: '',
    DesktopName: '',
    HostID: s.hostId,
    TargetSubKind: '',
    InitialCommand: [...s.command],
  };
  return {
    Header: {
      Kind: KIND_SESSION_TRACKER,
      SubKind: '',
      Version: 'v1',
      Metadata: {
        Name: s.sessionId,
        Namespace: 'default',
        Description: '',
        Labels: {},
        Expires: new Date(s.now.getTime() + SESSION_TRACKER_TTL_MS),
        Revision: '',
      },
    },
    Spec: spec,
  };
}

/** The live trackers, by session id. */
export class SessionTrackers {
  private readonly byId = new Map<string, SessionTrackerV1>();

  /** Registers a new kube session (Pending) and returns its id. */
  start(s: KubeTrackerStart): string {
    this.byId.set(s.sessionId, kubeSessionTracker(s));
    return s.sessionId;
  }

  /** The initiator joins (UpdateSessionTracker AddParticipant) and the session runs. */
  running(sessionId: string, user: string, now: Date): void {
    const t = this.byId.get(sessionId);
    if (!t?.Spec) return;
    t.Spec.Participants.push({ ID: randomUUID(), User: user, Mode: 'peer', LastActive: now });
    t.Spec.State = SessionState.SessionStateRunning;
  }

  end(sessionId: string): void {
    this.byId.delete(sessionId);
  }

  /**
   * The trackers a user may see: upstream's filterSessionTracker keeps those the user could join
   * (SessionAccessEvaluator.CanJoin). The dev cluster's roles have no join_sessions policies, so
   * that is the session's own host user (who can always join their session).
   */
  visibleTo(user: string): SessionTrackerV1[] {
    return [...this.byId.values()].filter((t) => t.Spec?.HostUser === user);
  }

  get size(): number {
    return this.byId.size;
  }
}
