// Helpers over decoded session recording events (events.OneOf): type, time, index, print
// data, terminal size, and the JSON form Teleport prints for them.
//
// JSON: upstream marshals the Go structs generated from events.proto. Embedded metadata
// (gogoproto.embed) is flattened in place, keys come from the jsontag options, in field
// declaration order. `tsh play <file>.tar --format json` writes one compact object per line
// (lib/events/playback.go Export -> utils.FastMarshal: json-iterator, no HTML escaping).
// The keys below are only those of the fields our events.proto subset declares.
import type { Metadata, OneOf, SessionPrint } from '../gen/teleport/legacy/types/events/events.js';
import { goString } from '../format/gojson.js';
import { GO_ZERO_TIME, goTimeJSON, GoTimeJSONMemo } from '../format/gotime.js';

export type EventCase = NonNullable<OneOf['Event']>['$case'];
// Event type strings (lib/events/api.go) used when an event carries no Metadata.Type.
const DEFAULT_TYPES: Partial<Record<EventCase, string>> = {
  SessionStart: 'session.start',
  SessionJoin: 'session.join',
  SessionPrint: 'print',
  Resize: 'resize',
  SessionEnd: 'session.end',
  SessionLeave: 'session.leave',
};

export function eventCase(o: OneOf): EventCase | undefined {
  return o.Event?.$case;
}

export function eventMetadata(o: OneOf): Metadata | undefined {
  return o.Event?.value.Metadata;
}

/** The event type ("print", "session.start", ...), falling back to the oneof member name. */
export function eventType(o: OneOf): string {
  const t = eventMetadata(o)?.Type;
  if (t) return t;
  const c = eventCase(o);
  return c ? (DEFAULT_TYPES[c] ?? c) : 'unknown';
}

export function eventIndex(o: OneOf): bigint {
  return eventMetadata(o)?.Index ?? 0n;
}

/** Event time; Go's zero time when unset. */
export function eventTime(o: OneOf): Date {
  return eventMetadata(o)?.Time ?? GO_ZERO_TIME;
}

/** Terminal output bytes of a SessionPrint event. */
export function printData(o: OneOf): Buffer | undefined {
  return o.Event?.$case === 'SessionPrint' ? o.Event.value.Data : undefined;
}

/**
 * Playback delay in milliseconds since the session start: SessionPrint and
 * DesktopRecording carry one, every other event plays immediately (lib/player).
 */
export function eventDelayMs(o: OneOf): number | undefined {
  switch (o.Event?.$case) {
    case 'SessionPrint':
    case 'DesktopRecording':
      return Number(o.Event.value.DelayMilliseconds);
    default:
      return undefined;
  }
}

/** Parses a TerminalSize "W:H" (SessionStart, Resize); undefined if malformed. */
export function parseTerminalSize(size: string): { width: number; height: number } | undefined {
  const m = /^(\d+):(\d+)$/.exec(size);
  if (!m) return undefined;
  return { width: Number(m[1]), height: Number(m[2]) };
}

// ---------------------------------------------------------------------------
// JSON

type Kind = 'str' | 'num' | 'bool' | 'time' | 'list' | 'map' | 'bytes';
// `key` is the quoted JSON key and its colon, made once rather than per event.
type Field =
  | { name: string; key: string; kind: Kind; omit?: boolean }
  | { name: string; embed: Field[] }
  | { name: string; key: string; ptr: Field[]; omit?: boolean };

const key = (json: string): string => `${goString(json)}:`;
const f = (name: string, json: string, kind: Kind, omit = false): Field => ({
  name,
  key: key(json),
  kind,
  omit,
});
const o = (name: string, json: string, kind: Kind): Field => f(name, json, kind, true);
const embed = (name: string, fields: Field[]): Field => ({ name, embed: fields });

const METADATA = [
  f('Index', 'ei', 'num'),
  f('Type', 'event', 'str'),
  o('ID', 'uid', 'str'),
  o('Code', 'code', 'str'),
  f('Time', 'time', 'time'),
  o('ClusterName', 'cluster_name', 'str'),
];
const SESSION = [
  f('SessionID', 'sid', 'str'),
  o('WithMFA', 'with_mfa', 'str'),
  o('PrivateKeyPolicy', 'private_key_policy', 'str'),
];
const USER = [
  o('User', 'user', 'str'),
  o('Login', 'login', 'str'),
  o('Impersonator', 'impersonator', 'str'),
  o('AWSRoleARN', 'aws_role_arn', 'str'),
  o('AccessRequests', 'access_requests', 'list'),
  o('AzureIdentity', 'azure_identity', 'str'),
  o('GCPServiceAccount', 'gcp_service_account', 'str'),
  o('RequiredPrivateKeyPolicy', 'required_private_key_policy', 'str'),
  o('UserKind', 'user_kind', 'num'),
  o('BotName', 'bot_name', 'str'),
  o('BotInstanceID', 'bot_instance_id', 'str'),
  o('UserOrigin', 'user_origin', 'num'),
  o('UserRoles', 'user_roles', 'list'),
  o('UserClusterName', 'user_cluster_name', 'str'),
  o('BeamID', 'beam_id', 'str'),
  o('BotScopeOfOrigin', 'bot_scope_of_origin', 'str'),
];
const SERVER = [
  o('ServerNamespace', 'namespace', 'str'),
  f('ServerID', 'server_id', 'str'),
  o('ServerHostname', 'server_hostname', 'str'),
  o('ServerAddr', 'server_addr', 'str'),
  o('ServerLabels', 'server_labels', 'map'),
  o('ForwardedBy', 'forwarded_by', 'str'),
  o('ServerSubKind', 'server_sub_kind', 'str'),
  o('ServerVersion', 'server_version', 'str'),
];
const CONNECTION = [
  o('LocalAddr', 'addr.local', 'str'),
  o('RemoteAddr', 'addr.remote', 'str'),
  o('Protocol', 'proto', 'str'),
];
const CLIENT = [o('UserAgent', 'user_agent', 'str')];
const KUBE_CLUSTER = [
  o('KubernetesCluster', 'kubernetes_cluster', 'str'),
  o('KubernetesUsers', 'kubernetes_users', 'list'),
  o('KubernetesGroups', 'kubernetes_groups', 'list'),
  o('KubernetesLabels', 'kubernetes_labels', 'map'),
];
const KUBE_POD = [
  o('KubernetesPodName', 'kubernetes_pod_name', 'str'),
  o('KubernetesPodNamespace', 'kubernetes_pod_namespace', 'str'),
  o('KubernetesContainerName', 'kubernetes_container_name', 'str'),
  o('KubernetesContainerImage', 'kubernetes_container_image', 'str'),
  o('KubernetesNodeName', 'kubernetes_node_name', 'str'),
];
const STATUS = [
  f('Success', 'success', 'bool'),
  o('Error', 'error', 'str'),
  o('UserMessage', 'message', 'str'),
];
const BPF = [
  f('PID', 'pid', 'num'),
  f('CgroupID', 'cgroup_id', 'num'),
  f('Program', 'program', 'str'),
  f('AuditSessionID', 'audit_session_id', 'num'),
];
const COMMAND = [
  f('Command', 'command', 'str'),
  o('ExitCode', 'exitCode', 'str'),
  o('Error', 'exitError', 'str'),
];
const DATABASE = [
  o('DatabaseService', 'db_service', 'str'),
  f('DatabaseProtocol', 'db_protocol', 'str'),
  f('DatabaseURI', 'db_uri', 'str'),
  o('DatabaseName', 'db_name', 'str'),
  o('DatabaseUser', 'db_user', 'str'),
  o('DatabaseLabels', 'db_labels', 'map'),
  o('DatabaseAWSRegion', 'db_aws_region', 'str'),
  o('DatabaseAWSRedshiftClusterID', 'db_aws_redshift_cluster_id', 'str'),
  o('DatabaseGCPProjectID', 'db_gcp_project_id', 'str'),
  o('DatabaseGCPInstanceID', 'db_gcp_instance_id', 'str'),
  o('DatabaseRoles', 'db_roles', 'list'),
  o('DatabaseType', 'db_type', 'str'),
  o('DatabaseOrigin', 'db_origin', 'str'),
];
const WINDOWS_CERT = [
  f('Subject', 'subject', 'str'),
  f('SerialNumber', 'serial_number', 'str'),
  f('UPN', 'upn', 'str'),
  f('CRLDistributionPoints', 'crl_distribution_points', 'list'),
  f('KeyUsage', 'key_usage', 'num'),
  f('ExtendedKeyUsage', 'extended_key_usage', 'list'),
  f('EnhancedKeyUsage', 'enhanced_key_usage', 'list'),
];

const M = embed('Metadata', METADATA);
const U = embed('User', USER);
const S = embed('Session', SESSION);
const SRV = embed('Server', SERVER);
const CONN = embed('Connection', CONNECTION);
const KC = embed('KubernetesCluster', KUBE_CLUSTER);
const KP = embed('KubernetesPod', KUBE_POD);
const DB = embed('Database', DATABASE);
const ST = embed('Status', STATUS);

const EVENT_FIELDS: Record<EventCase, Field[]> = {
  SessionStart: [
    M,
    U,
    S,
    SRV,
    CONN,
    o('TerminalSize', 'size', 'str'),
    KC,
    KP,
    o('InitialCommand', 'initial_command', 'list'),
    o('SessionRecording', 'session_recording', 'str'),
    o('Invited', 'invited', 'list'),
    o('Reason', 'reason', 'str'),
  ],
  SessionJoin: [M, U, S, SRV, CONN, KC],
  SessionPrint: [
    M,
    f('ChunkIndex', 'ci', 'num'),
    f('Bytes', 'bytes', 'num'),
    f('DelayMilliseconds', 'ms', 'num'),
    f('Offset', 'offset', 'num'),
  ],
  Resize: [M, U, S, CONN, SRV, o('TerminalSize', 'size', 'str'), KC, KP],
  SessionEnd: [
    M,
    U,
    S,
    CONN,
    SRV,
    f('EnhancedRecording', 'enhanced_recording', 'bool'),
    f('Interactive', 'interactive', 'bool'),
    f('Participants', 'participants', 'list'),
    f('StartTime', 'session_start', 'time'),
    f('EndTime', 'session_stop', 'time'),
    KC,
    KP,
    o('InitialCommand', 'initial_command', 'list'),
    o('SessionRecording', 'session_recording', 'str'),
  ],
  SessionLeave: [M, U, S, SRV, CONN],
  SessionData: [M, U, S, SRV, CONN, f('BytesTransmitted', 'tx', 'num'), f('BytesReceived', 'rx', 'num')],
  SessionCommand: [
    M,
    U,
    S,
    SRV,
    embed('BPF', BPF),
    f('PPID', 'ppid', 'num'),
    f('Path', 'path', 'str'),
    f('Argv', 'argv', 'list'),
    f('ReturnCode', 'return_code', 'num'),
  ],
  Exec: [M, U, CONN, S, SRV, embed('Command', COMMAND), KC, KP],
  WindowsDesktopSessionStart: [
    M,
    U,
    S,
    CONN,
    ST,
    f('WindowsDesktopService', 'windows_desktop_service', 'str'),
    f('DesktopAddr', 'desktop_addr', 'str'),
    f('Domain', 'windows_domain', 'str'),
    f('WindowsUser', 'windows_user', 'str'),
    f('DesktopLabels', 'desktop_labels', 'map'),
    f('DesktopName', 'desktop_name', 'str'),
    f('AllowUserCreation', 'allow_user_creation', 'bool'),
    f('NLA', 'nla', 'bool'),
    { name: 'CertMetadata', key: key('certificate'), ptr: WINDOWS_CERT },
  ],
  // JSON tags as upstream's (session_start/session_stop match SessionEnd's on purpose).
  WindowsDesktopSessionEnd: [
    M,
    U,
    S,
    f('WindowsDesktopService', 'windows_desktop_service', 'str'),
    f('DesktopAddr', 'desktop_addr', 'str'),
    f('Domain', 'windows_domain', 'str'),
    f('WindowsUser', 'windows_user', 'str'),
    f('DesktopLabels', 'desktop_labels', 'map'),
    f('StartTime', 'session_start', 'time'),
    f('EndTime', 'session_stop', 'time'),
    f('DesktopName', 'desktop_name', 'str'),
    f('Recorded', 'recorded', 'bool'),
    f('Participants', 'participants', 'list'),
    CONN,
  ],
  DesktopRecording: [
    M,
    f('Message', 'message', 'bytes'),
    f('DelayMilliseconds', 'ms', 'num'),
    f('TDPBMessage', 'tdpb_message', 'bytes'),
  ],
  DesktopClipboardSend: [
    M,
    U,
    S,
    CONN,
    f('DesktopAddr', 'desktop_addr', 'str'),
    f('Length', 'length', 'num'),
  ],
  DesktopClipboardReceive: [
    M,
    U,
    S,
    CONN,
    f('DesktopAddr', 'desktop_addr', 'str'),
    f('Length', 'length', 'num'),
  ],
  DatabaseSessionStart: [
    M,
    U,
    S,
    SRV,
    CONN,
    ST,
    DB,
    o('PostgresPID', 'postgres_pid', 'num'),
    embed('Client', CLIENT),
  ],
  DatabaseSessionEnd: [
    M,
    U,
    S,
    DB,
    f('StartTime', 'session_start', 'time'),
    f('EndTime', 'session_stop', 'time'),
    CONN,
    o('Participants', 'participants', 'list'),
  ],
  DatabaseSessionQuery: [
    M,
    U,
    S,
    DB,
    f('DatabaseQuery', 'db_query', 'str'),
    o('DatabaseQueryParameters', 'db_query_parameters', 'list'),
    ST,
  ],
  DatabaseSessionCommandResult: [M, U, S, DB, ST, o('AffectedRecords', 'affected_records', 'num')],
  PostgresParse: [M, U, S, DB, f('StatementName', 'statement_name', 'str'), f('Query', 'query', 'str')],
  PostgresBind: [
    M,
    U,
    S,
    DB,
    f('StatementName', 'statement_name', 'str'),
    f('PortalName', 'portal_name', 'str'),
    f('Parameters', 'parameters', 'list'),
  ],
  PostgresExecute: [M, U, S, DB, f('PortalName', 'portal_name', 'str')],
  PostgresClose: [
    M,
    U,
    S,
    DB,
    f('StatementName', 'statement_name', 'str'),
    f('PortalName', 'portal_name', 'str'),
  ],
  PostgresFunctionCall: [
    M,
    U,
    S,
    DB,
    f('FunctionOID', 'function_oid', 'num'),
    o('FunctionArgs', 'function_args', 'list'),
  ],
  MySQLStatementPrepare: [M, U, S, DB, f('Query', 'query', 'str')],
  MySQLStatementExecute: [
    M,
    U,
    S,
    DB,
    f('StatementID', 'statement_id', 'num'),
    f('Parameters', 'parameters', 'list'),
  ],
  MySQLStatementSendLongData: [
    M,
    U,
    S,
    DB,
    f('StatementID', 'statement_id', 'num'),
    f('ParameterID', 'parameter_id', 'num'),
    f('DataSize', 'data_size', 'num'),
  ],
  MySQLStatementClose: [M, U, S, DB, f('StatementID', 'statement_id', 'num')],
  MySQLStatementReset: [M, U, S, DB, f('StatementID', 'statement_id', 'num')],
  MySQLStatementFetch: [
    M,
    U,
    S,
    DB,
    f('StatementID', 'statement_id', 'num'),
    f('RowsCount', 'rows_count', 'num'),
  ],
  MySQLStatementBulkExecute: [
    M,
    U,
    S,
    DB,
    f('StatementID', 'statement_id', 'num'),
    f('Parameters', 'parameters', 'list'),
  ],
  MySQLInitDB: [M, U, S, DB, f('SchemaName', 'schema_name', 'str')],
  MySQLCreateDB: [M, U, S, DB, f('SchemaName', 'schema_name', 'str')],
  MySQLDropDB: [M, U, S, DB, f('SchemaName', 'schema_name', 'str')],
  MySQLShutDown: [M, U, S, DB],
  MySQLProcessKill: [M, U, S, DB, f('ProcessID', 'process_id', 'num')],
  MySQLDebug: [M, U, S, DB],
  MySQLRefresh: [M, U, S, DB, f('Subcommand', 'subcommand', 'str')],
};

function scalar(kind: Kind, v: unknown): string {
  switch (kind) {
    case 'str':
      return goString(typeof v === 'string' ? v : '');
    case 'num':
      return typeof v === 'bigint' || typeof v === 'number' ? String(v) : '0';
    case 'bool':
      return v === true ? 'true' : 'false';
    case 'time':
      return goString(goTimeJSON(v instanceof Date ? v : undefined));
    case 'list': {
      const a = Array.isArray(v) ? v : [];
      if (a.length === 0) return 'null';
      return `[${a.map((x) => (typeof x === 'string' ? goString(x) : String(x))).join(',')}]`;
    }
    case 'map': {
      const m = (v ?? {}) as Record<string, string>;
      const keys = Object.keys(m).sort();
      if (keys.length === 0) return 'null';
      return `{${keys.map((k) => `${goString(k)}:${goString(m[k])}`).join(',')}}`;
    }
    case 'bytes': {
      const b = v instanceof Uint8Array ? v : undefined;
      return b && b.length > 0 ? `"${Buffer.from(b).toString('base64')}"` : 'null';
    }
  }
}

function isEmpty(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'str':
      return !v;
    case 'num':
      return v === undefined || v === 0 || v === 0n;
    case 'bool':
      return v !== true;
    case 'list':
      return !Array.isArray(v) || v.length === 0;
    case 'map':
      return !v || Object.keys(v).length === 0;
    case 'bytes':
      return !(v instanceof Uint8Array) || v.length === 0;
    case 'time':
      return false; // omitempty never omits a struct
  }
}

function members(fields: Field[], obj: Record<string, unknown> | undefined, out: string[]): void {
  for (const fd of fields) {
    const v = obj?.[fd.name];
    if ('embed' in fd) {
      members(fd.embed, v as Record<string, unknown> | undefined, out);
    } else if ('ptr' in fd) {
      if (v === undefined && fd.omit) continue;
      out.push(`${fd.key}${v === undefined ? 'null' : object(fd.ptr, v as Record<string, unknown>)}`);
    } else {
      if (fd.omit && isEmpty(fd.kind, v)) continue;
      out.push(`${fd.key}${scalar(fd.kind, v)}`);
    }
  }
}

function object(fields: Field[], obj: Record<string, unknown> | undefined): string {
  const out: string[] = [];
  members(fields, obj, out);
  return `{${out.join(',')}}`;
}

/**
 * The compact JSON object Teleport writes for an event (without a newline), or undefined
 * for an event without a declared type.
 */
export function eventToJSON(ev: OneOf): string | undefined {
  if (!ev.Event) return undefined;
  if (ev.Event.$case === 'SessionPrint') return printJSON(ev.Event.value);
  return object(EVENT_FIELDS[ev.Event.$case], ev.Event.value as unknown as Record<string, unknown>);
}

// SessionPrint, nearly every event of a recording, written out field by field: the same bytes
// as object(EVENT_FIELDS.SessionPrint, ...) (the JSON tests compare both), at a fraction of the cost.

/** goString of the last string seen in one position (event types and cluster names repeat). */
class QuotedMemo {
  private last = '';
  private quoted = '""';
  get(s: string): string {
    if (s !== this.last) {
      this.quoted = goString(s);
      this.last = s;
    }
    return this.quoted;
  }
}
const TYPE = new QuotedMemo();
const CLUSTER = new QuotedMemo();

/** Go's JSON time of Date.toISOString's range with 4-digit years (0001-01-01 to 9999-12-31). */
const MIN_4DIGIT_MS = -62135596800000;
const MAX_4DIGIT_MS = 253402300800000;
/** scalar('time', d), formatted through a memo of the last second (GoTimeJSONMemo). */
class TimeMemo {
  private readonly memo = new GoTimeJSONMemo();
  get(d: unknown): string {
    const t = d instanceof Date ? d.getTime() : NaN;
    if (!(t >= MIN_4DIGIT_MS && t < MAX_4DIGIT_MS)) return scalar('time', d);
    const second = Math.floor(t / 1000);
    return this.memo.quoted(second, (t - second * 1000) * 1_000_000);
  }
}
const TIME = new TimeMemo();

const num = (v: unknown): string => (typeof v === 'bigint' || typeof v === 'number' ? String(v) : '0');
const str = (v: unknown, memo?: QuotedMemo): string =>
  typeof v !== 'string' ? '""' : memo ? memo.get(v) : goString(v);

function printJSON(p: SessionPrint): string {
  const md = p.Metadata;
  let s = '{"ei":0,"event":"","time":"0001-01-01T00:00:00Z"';
  if (md) {
    s = `{"ei":${num(md.Index)},"event":${str(md.Type, TYPE)}`;
    if (md.ID) s += `,"uid":${str(md.ID)}`;
    if (md.Code) s += `,"code":${str(md.Code)}`;
    s += `,"time":${TIME.get(md.Time)}`;
    if (md.ClusterName) s += `,"cluster_name":${str(md.ClusterName, CLUSTER)}`;
  }
  return `${s},"ci":${num(p.ChunkIndex)},"bytes":${num(p.Bytes)},"ms":${num(p.DelayMilliseconds)},"offset":${num(p.Offset)}}`;
}

/** The generic JSON of an event, without the fast paths (tests hold the fast paths to it). */
export function eventToJSONGeneric(ev: OneOf): string | undefined {
  if (!ev.Event) return undefined;
  return object(EVENT_FIELDS[ev.Event.$case], ev.Event.value as unknown as Record<string, unknown>);
}
