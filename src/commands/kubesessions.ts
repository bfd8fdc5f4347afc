// tshjs kube sessions: the cluster's active Kubernetes sessions (tool/tsh/common/kube.go
// kubeSessionsCommand, v17-era): AuthService.GetActiveSessionTrackers, the k8s ones sorted by
// creation time in a table (printSessions), or the Go JSON/YAML of types.SessionTrackerV1
// (serializeKubeSessions). Loaded only when the command runs (kube.ts). docs/kube-client.md.
import type { SessionTrackerV1 } from '../gen/teleport/legacy/types/types.js';
import { SessionState } from '../gen/teleport/legacy/types/types.js';
import { goTimeJSON } from '../format/gotime.js';
import { serialize, type Format } from '../output/printer.js';
import { metadataJSON, type GoJSON, type GoJSONObject } from '../output/resourcejson.js';
import { Table } from '../output/table.js';
import type { CommandContext } from './context.js';

export interface KubeSessionsOptions {
  format: Format;
}

/** types.KubernetesSessionKind. */
const KUBERNETES_SESSION_KIND = 'k8s';

/** The columns of printSessions. */
export const SESSION_COLUMNS = ['ID', 'State', 'Created', 'Hostname', 'Address', 'Login', 'Reason'];

/** SessionState.String(): the Go enum name, or the number for an unknown value (gogoproto). */
export function sessionStateString(s: SessionState): string {
  const name = SessionState[s];
  return typeof name === 'string' && name !== 'UNRECOGNIZED' ? name : String(s);
}

/** time.Time.Format(time.RFC3339) of a UTC time (gogoproto decodes Timestamps to UTC). */
function rfc3339(d: Date | undefined): string {
  return goTimeJSON(d).replace(/\.\d+Z$/, 'Z');
}

/** The table tsh kube sessions prints: k8s trackers only, oldest first, then a blank line. */
export function sessionsTable(trackers: readonly SessionTrackerV1[]): string {
  const kube = trackers
    .filter((t) => t.Spec?.Kind === KUBERNETES_SESSION_KIND)
    .map((t, i) => ({ t, i, at: t.Spec?.Created?.getTime() ?? -Infinity }))
    // sort.Slice by GetCreated().Before; equal times keep arrival order here.
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((x) => x.t);
  const table = new Table(SESSION_COLUMNS.map((title) => ({ title })));
  for (const t of kube) {
    const s = t.Spec!;
    table.addRow([
      s.SessionID,
      sessionStateString(s.State),
      rfc3339(s.Created),
      s.Hostname,
      s.Address,
      s.Login,
      s.Reason,
    ]);
  }
  return `${table.toString()}\n`;
}

function setIf(o: GoJSONObject, key: string, v: string | number | undefined): void {
  if (v) o[key] = v;
}

function setList(o: GoJSONObject, key: string, v: readonly string[] | undefined): void {
  if (v?.length) o[key] = [...v];
}

/**
 * The Go encoding/json of types.SessionTrackerV1 (api/types/types.pb.go tags): the embedded
 * ResourceHeader flattened (kind, sub_kind, version omitempty; metadata always), then the spec in
 * field order. Non-nullable time.Time fields (created, expires, last_active) are always written,
 * the zero time as 0001-01-01T00:00:00Z; the state enum is a number, left out when Pending (0).
 */
export function sessionTrackerJSON(t: SessionTrackerV1): GoJSONObject {
  const h = t.Header;
  const o: GoJSONObject = {};
  setIf(o, 'kind', h?.Kind);
  setIf(o, 'sub_kind', h?.SubKind);
  setIf(o, 'version', h?.Version);
  o.metadata = metadataJSON(h?.Metadata);
  const s = t.Spec;
  const spec: GoJSONObject = {};
  setIf(spec, 'session_id', s?.SessionID);
  setIf(spec, 'kind', s?.Kind);
  setIf(spec, 'state', s?.State);
  spec.created = goTimeJSON(s?.Created);
  spec.expires = goTimeJSON(s?.Expires);
  setIf(spec, 'attached', s?.AttachedData);
  setIf(spec, 'reason', s?.Reason);
  setList(spec, 'invited', s?.Invited);
  setIf(spec, 'target_hostname', s?.Hostname);
  setIf(spec, 'target_address', s?.Address);
  setIf(spec, 'cluster_name', s?.ClusterName);
  setIf(spec, 'login', s?.Login);
  if (s?.Participants.length) {
    spec.participants = s.Participants.map((p) => {
      const po: GoJSONObject = {};
      setIf(po, 'id', p.ID);
      setIf(po, 'user', p.User);
      setIf(po, 'mode', p.Mode);
      po.last_active = goTimeJSON(p.LastActive);
      return po;
    });
  }
  setIf(spec, 'kubernetes_cluster', s?.KubernetesCluster);
  setIf(spec, 'host_user', s?.HostUser);
  if (s?.HostPolicies.length) {
    spec.host_roles = s.HostPolicies.map((p) => {
      const po: GoJSONObject = {};
      setIf(po, 'name', p.Name);
      setIf(po, 'version', p.Version);
      return po;
    });
  }
  setIf(spec, 'database_name', s?.DatabaseName);
  setIf(spec, 'app_name', s?.AppName);
  setIf(spec, 'app_session_id', s?.AppSessionID);
  setIf(spec, 'desktop_name', s?.DesktopName);
  setIf(spec, 'host_id', s?.HostID);
  setIf(spec, 'target_sub_kind', s?.TargetSubKind);
  setList(spec, 'initial_command', s?.InitialCommand);
  o.spec = spec;
  return o;
}

/**
 * serializeKubeSessions: FastMarshalIndent / yaml.Marshal of every tracker the cluster returned
 * (upstream does not filter by kind here), then fmt.Fprintln. An empty answer is a nil slice: null.
 */
export function sessionsDocument(format: 'json' | 'yaml', trackers: readonly SessionTrackerV1[]): string {
  const list: GoJSON = trackers.length ? trackers.map(sessionTrackerJSON) : null;
  return serialize(format, list);
}

/** AuthService.GetActiveSessionTrackers, read to the end. */
async function activeSessionTrackers(ctx: CommandContext): Promise<SessionTrackerV1[]> {
  const cc = await ctx.client().cluster();
  const { grpcError } = await import('../client/grpc/errors.js');
  const out: SessionTrackerV1[] = [];
  const stream = cc.auth.getActiveSessionTrackers({});
  try {
    for await (const t of stream as AsyncIterable<SessionTrackerV1>) out.push(t);
  } catch (err) {
    throw grpcError(err, 'get active session trackers');
  } finally {
    stream.cancel();
  }
  return out;
}

export async function runKubeSessions(o: KubeSessionsOptions, ctx: CommandContext): Promise<number> {
  const trackers = await activeSessionTrackers(ctx);
  ctx.io.stdout.write(o.format === 'text' ? sessionsTable(trackers) : sessionsDocument(o.format, trackers));
  return 0;
}
