// Go `encoding/json` renderings of the upstream Teleport resource types, as
// printed by `tsh ls --format=json`, `tsh apps ls --format=json`,
// `tsh db ls --format=json`, `tsh kube ls --format=json` and desktop listings.
//
// Upstream marshals the gogoproto-generated structs of api/types/types.pb.go
// (generated from api/proto/teleport/legacy/types/types.proto; Metadata now
// lives in metadata.proto). Every converter here emits keys in Go struct
// (= proto declaration) order, with Go's key names and omitempty behaviour:
//   * `omitempty` drops "", false, 0, nil/empty slices and maps, nil pointers;
//     it NEVER drops a non-pointer struct (gogoproto nullable=false), which is
//     therefore always rendered, possibly as a zero value.
//   * a nullable (pointer) sub-message is omitted when nil (all the ones here
//     carry omitempty); in our ts-proto objects "nil" is `undefined`.
//   * time.Time (stdtime) renders RFC 3339 with trailing fractional zeros
//     trimmed; the zero time is "0001-01-01T00:00:00Z".
//   * types.Duration (casttype "Duration") has a MarshalJSON that renders
//     time.Duration.String() ("1m0s"); omitempty still tests the int64 for 0.
//   * []byte renders as standard base64; a nil []string renders `null`.
//   * maps render with keys sorted (byte-wise).
// See docs/json-shapes.md for the tag tables and their sources.
//
// Limitation: JS objects order integer-like keys ("0", "42") numerically and
// before other keys, so a label map whose keys include such strings cannot
// reproduce Go's byte-wise order through JSON.stringify.

import type {
  AppV3,
  CommandLabelV2,
  DatabaseV3,
  KubernetesClusterV3,
  Metadata,
  Rotation,
  RotationSchedule,
  ServerV2,
  WindowsDesktopV3,
} from '../gen/teleport/legacy/types/types.js';
import { goDurationString } from '../format/duration.js';
import { goTimeJSON as goTimeJSONUncached } from '../format/gotime.js';

/**
 * goTimeJSON, remembering recent results: a listing renders the same few times over and over (the
 * zero time of every rotation, a heartbeat's expiry shared by many nodes).
 */
const timeCache = new Map<number, string>();
function goTimeJSON(d: Date | undefined): string {
  const key = d === undefined ? Number.NaN : d.getTime();
  let s = timeCache.get(key);
  if (s === undefined) {
    if (timeCache.size >= 256) timeCache.clear();
    s = goTimeJSONUncached(d);
    timeCache.set(key, s);
  }
  return s;
}

/** A JSON value as produced by these converters. */
export type GoJSON = string | number | boolean | null | GoJSON[] | { [key: string]: GoJSON };
/** A JSON object whose key order is Go's field order. */
export type GoJSONObject = { [key: string]: GoJSON };

function sortedKeys(m: { [key: string]: unknown } | undefined): string[] {
  // Go sorts map keys byte-wise (UTF-8). UTF-16 code-unit order (the default sort) is the same
  // unless a key holds a character beyond the BMP (a surrogate pair sorts before U+E000–U+FFFF).
  const keys = Object.keys(m ?? {});
  return ASTRAL.test(keys.join(''))
    ? keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    : keys.sort();
}

const ASTRAL = /[\ud800-\udfff]/;

function stringMap(m: { [key: string]: string } | undefined): GoJSONObject {
  const out: GoJSONObject = {};
  for (const k of sortedKeys(m)) out[k] = m![k]!;
  return out;
}

/** []string without omitempty: Go renders a nil (decoded-empty) slice as null. */
function stringSlice(s: string[] | undefined): GoJSON {
  return s && s.length > 0 ? [...s] : null;
}

/** Sets key when the value is non-empty (Go omitempty on string/bool/number). */
function setIf(o: GoJSONObject, key: string, v: string | boolean | number | undefined): void {
  if (v) o[key] = v;
}

/** types.CommandLabelV2: period (types.Duration string), command, result. */
export function commandLabelJSON(l: CommandLabelV2 | undefined): GoJSONObject {
  return {
    period: goDurationString(l?.Period ?? 0n),
    command: stringSlice(l?.Command),
    result: l?.Result ?? '',
  };
}

function commandLabels(m: { [key: string]: CommandLabelV2 } | undefined): GoJSONObject {
  const out: GoJSONObject = {};
  for (const k of sortedKeys(m)) out[k] = commandLabelJSON(m![k]);
  return out;
}

/**
 * types.Metadata: name, description?, labels?, expires?, revision?.
 * Namespace has jsontag "-" and is never rendered.
 */
export function metadataJSON(m: Metadata | undefined): GoJSONObject {
  const o: GoJSONObject = { name: m?.Name ?? '' };
  setIf(o, 'description', m?.Description);
  if (m && Object.keys(m.Labels ?? {}).length > 0) o.labels = stringMap(m.Labels);
  if (m?.Expires !== undefined) o.expires = goTimeJSON(m.Expires); // *time.Time
  setIf(o, 'revision', m?.Revision);
  return o;
}

/** types.RotationSchedule: three non-nullable time.Time fields (always rendered). */
export function rotationScheduleJSON(s: RotationSchedule | undefined): GoJSONObject {
  return {
    update_clients: goTimeJSON(s?.UpdateClients),
    update_servers: goTimeJSON(s?.UpdateServers),
    standby: goTimeJSON(s?.Standby),
  };
}

/**
 * types.Rotation. state/phase/mode/grace_period are omitempty; current_id is
 * not; started/last_rotated are non-nullable time.Time and schedule a
 * non-nullable struct, so omitempty never drops them. Zero value:
 * {"current_id":"","started":ZERO,"last_rotated":ZERO,"schedule":{...ZERO}}.
 */
export function rotationJSON(r: Rotation | undefined): GoJSONObject {
  const o: GoJSONObject = {};
  setIf(o, 'state', r?.State);
  setIf(o, 'phase', r?.Phase);
  setIf(o, 'mode', r?.Mode);
  o.current_id = r?.CurrentID ?? '';
  o.started = goTimeJSON(r?.Started);
  const grace = r?.GracePeriod ?? 0n;
  if (grace !== 0n) o.grace_period = goDurationString(grace);
  o.last_rotated = goTimeJSON(r?.LastRotated);
  o.schedule = rotationScheduleJSON(r?.Schedule);
  return o;
}

/** types.ServerV2 (kind "node"), as in `tsh ls --format=json`. */
export function serverJSON(s: ServerV2): GoJSONObject {
  const o: GoJSONObject = { kind: s.Kind };
  setIf(o, 'sub_kind', s.SubKind);
  o.version = s.Version;
  o.metadata = metadataJSON(s.Metadata);
  const sp = s.Spec;
  const spec: GoJSONObject = { addr: sp?.Addr ?? '', hostname: sp?.Hostname ?? '' };
  if (sp && Object.keys(sp.CmdLabels ?? {}).length > 0) spec.cmd_labels = commandLabels(sp.CmdLabels);
  spec.rotation = rotationJSON(sp?.Rotation); // non-nullable struct
  setIf(spec, 'use_tunnel', sp?.UseTunnel);
  spec.version = sp?.Version ?? '';
  setIf(spec, 'peer_addr', sp?.PeerAddr);
  if (sp?.ProxyIDs?.length) spec.proxy_ids = [...sp.ProxyIDs];
  // No jsontag upstream: gogo's default tag is `json:"public_addrs,omitempty"`.
  if (sp?.publicAddrs?.length) spec.public_addrs = [...sp.publicAddrs];
  if (sp?.CloudMetadata !== undefined) {
    const cm: GoJSONObject = {};
    const aws = sp.CloudMetadata.AWS;
    if (aws !== undefined) {
      const a: GoJSONObject = { account_id: aws.AccountID, instance_id: aws.InstanceID };
      setIf(a, 'region', aws.Region);
      setIf(a, 'vpc_id', aws.VPCID);
      setIf(a, 'integration', aws.Integration);
      setIf(a, 'subnet_id', aws.SubnetID);
      cm.aws = a;
    }
    spec.cloud_metadata = cm;
  }
  if (sp?.gitHub !== undefined) {
    const gh: GoJSONObject = {};
    setIf(gh, 'organization', sp.gitHub.organization);
    setIf(gh, 'integration', sp.gitHub.integration);
    spec.github = gh;
  }
  o.spec = spec;
  return o;
}

/**
 * types.AppV3. Not declared in our proto (all nullable pointers with
 * omitempty upstream, so omitting them is exact when the server sent none):
 * rewrite, aws, cors, identity_center.
 */
export function appJSON(a: AppV3): GoJSONObject {
  const o: GoJSONObject = { kind: a.Kind };
  setIf(o, 'sub_kind', a.SubKind);
  o.version = a.Version;
  o.metadata = metadataJSON(a.Metadata);
  const sp = a.Spec;
  const spec: GoJSONObject = { uri: sp?.URI ?? '' };
  setIf(spec, 'public_addr', sp?.PublicAddr);
  if (sp && Object.keys(sp.DynamicLabels ?? {}).length > 0)
    spec.dynamic_labels = commandLabels(sp.DynamicLabels);
  spec.insecure_skip_verify = sp?.InsecureSkipVerify ?? false; // no omitempty
  setIf(spec, 'cloud', sp?.Cloud);
  // No jsontag upstream: gogo's default tag is `json:"UserGroups,omitempty"`.
  if (sp?.UserGroups?.length) spec.UserGroups = [...sp.UserGroups];
  setIf(spec, 'integration', sp?.Integration);
  if (sp?.RequiredAppNames?.length) spec.required_app_names = [...sp.RequiredAppNames];
  if (sp?.TCPPorts?.length) {
    spec.tcp_ports = sp.TCPPorts.map((p) => {
      const r: GoJSONObject = { port: p.Port };
      setIf(r, 'end_port', p.EndPort);
      return r;
    });
  }
  o.spec = spec;
  return o;
}

// --- Database zero-value sub-structs ---------------------------------------
// Our proto subset does not declare DatabaseSpecV3.{AWS,GCP,Azure,TLS,AD,MySQL,
// MongoAtlas,Oracle} nor DatabaseStatusV3.{AWS,MySQL,Azure}. All are
// non-nullable upstream, so Go always renders them; we render Go's zero value
// for each (whatever the server actually sent there is not decoded).

/** types.AWS zero value (RDS.iam_auth and iam_policy_status have no omitempty). */
function zeroDatabaseAWS(): GoJSONObject {
  return {
    // region, account_id, external_id, assume_role_arn, session_tags: omitempty
    redshift: {}, // Redshift{cluster_id?}
    rds: { iam_auth: false }, // RDS{instance_id?, cluster_id?, resource_id?, iam_auth, subnets?, vpc_id?, security_groups?}
    elasticache: {}, // ElastiCache: all omitempty
    secret_store: {}, // SecretStore: all omitempty
    memorydb: {}, // MemoryDB: all omitempty
    rdsproxy: {}, // RDSProxy: all omitempty
    redshift_serverless: {}, // RedshiftServerless: all omitempty
    opensearch: {}, // OpenSearch: all omitempty
    // IAMPolicyStatus has a pointer-receiver MarshalJSON (api/types/database.go)
    // rendering the enum name; the field is addressable when tsh marshals
    // *DatabaseV3 values.
    iam_policy_status: 'IAM_POLICY_STATUS_UNSPECIFIED',
    docdb: {}, // DocumentDB: all omitempty
  };
}

/** types.Azure zero value (redis is a non-nullable AzureRedis). */
function zeroDatabaseAzure(): GoJSONObject {
  return { redis: {} };
}

/**
 * types.DatabaseV3, as in `tsh db ls --format=json`. (Upstream tsh wraps it
 * with extra keys such as "users"; that is the caller's business.)
 */
export function databaseJSON(d: DatabaseV3): GoJSONObject {
  const o: GoJSONObject = { kind: d.Kind };
  setIf(o, 'sub_kind', d.SubKind);
  o.version = d.Version;
  o.metadata = metadataJSON(d.Metadata);
  const sp = d.Spec;
  const spec: GoJSONObject = { protocol: sp?.Protocol ?? '', uri: sp?.URI ?? '' };
  setIf(spec, 'ca_cert', sp?.CACert);
  if (sp && Object.keys(sp.DynamicLabels ?? {}).length > 0)
    spec.dynamic_labels = commandLabels(sp.DynamicLabels);
  spec.aws = zeroDatabaseAWS(); // AWS (undeclared, non-nullable)
  spec.gcp = {}; // GCPCloudSQL{project_id?, instance_id?} (undeclared)
  spec.azure = zeroDatabaseAzure(); // Azure (undeclared)
  spec.tls = { mode: 0 }; // DatabaseTLS{mode, ca_cert?, server_name?, trust_system_cert_pool?}; enum without MarshalJSON -> number
  spec.ad = { domain: '', spn: '' }; // AD{keytab_file?, krb5_file?, domain, spn, ldap_cert?, kdc_host_name?}
  spec.mysql = sp?.MySQL?.ServerVersion ? { server_version: sp.MySQL.ServerVersion } : {};
  if (sp?.AdminUser !== undefined) {
    // *DatabaseAdminUser, omitempty; its fields have no omitempty.
    spec.admin_user = { name: sp.AdminUser.Name, default_database: sp.AdminUser.DefaultDatabase };
  }
  spec.mongo_atlas = {}; // MongoAtlas{name?}
  spec.oracle = { audit_user: '' }; // OracleOptions{audit_user}
  o.spec = spec;
  const st = d.Status;
  const status: GoJSONObject = {};
  setIf(status, 'ca_cert', st?.CACert);
  status.aws = zeroDatabaseAWS(); // jsontag "aws" (undeclared)
  // "mysql,omitempty" but a struct: always there.
  status.mysql = st?.MySQL?.ServerVersion ? { server_version: st.MySQL.ServerVersion } : {};
  if (st?.ManagedUsers?.length) status.managed_users = [...st.ManagedUsers];
  status.azure = zeroDatabaseAzure(); // jsontag "azure" (undeclared)
  o.status = status;
  return o;
}

/**
 * databaseWithUsers (tool/tsh/common/tsh.go, `tsh db ls --format=json` when the user's roles are
 * known): the embedded *DatabaseV3's fields, then `users` (`dbUsers`: allowed?, denied?; `{}` when both
 * are empty), then `database_roles` (omitempty).
 */
export function databaseWithUsersJSON(
  d: DatabaseV3,
  users: { allowed?: string[]; denied?: string[] },
  databaseRoles?: string[],
): GoJSONObject {
  const o = databaseJSON(d);
  const u: GoJSONObject = {};
  if (users.allowed?.length) u.allowed = [...users.allowed];
  if (users.denied?.length) u.denied = [...users.denied];
  o.users = u;
  if (databaseRoles?.length) o.database_roles = [...databaseRoles];
  return o;
}

/**
 * types.KubernetesClusterV3. Spec.{Azure,AWS,GCP} (KubeAzure/KubeAWS/KubeGCP)
 * are undeclared non-nullable structs whose fields are all omitempty: "{}".
 */
export function kubeClusterJSON(k: KubernetesClusterV3): GoJSONObject {
  const o: GoJSONObject = { kind: k.Kind };
  setIf(o, 'sub_kind', k.SubKind);
  o.version = k.Version;
  o.metadata = metadataJSON(k.Metadata);
  const sp = k.Spec;
  const spec: GoJSONObject = {};
  if (sp && Object.keys(sp.DynamicLabels ?? {}).length > 0)
    spec.dynamic_labels = commandLabels(sp.DynamicLabels);
  if (sp?.Kubeconfig && sp.Kubeconfig.length > 0)
    spec.kubeconfig = Buffer.from(sp.Kubeconfig).toString('base64');
  spec.azure = {};
  spec.aws = {};
  spec.gcp = {};
  o.spec = spec;
  return o;
}

/**
 * types.WindowsDesktopV3. ResourceHeader is embedded with jsontag "", so its
 * kind?/sub_kind?/version?/metadata are flattened into the top level (all
 * omitempty, but metadata is a struct and always rendered).
 */
export function windowsDesktopJSON(w: WindowsDesktopV3): GoJSONObject {
  const h = w.Header;
  const o: GoJSONObject = {};
  setIf(o, 'kind', h?.Kind);
  setIf(o, 'sub_kind', h?.SubKind);
  setIf(o, 'version', h?.Version);
  o.metadata = metadataJSON(h?.Metadata);
  const sp = w.Spec;
  const spec: GoJSONObject = {
    addr: sp?.Addr ?? '',
    domain: sp?.Domain ?? '',
    host_id: sp?.HostID ?? '',
    non_ad: sp?.NonAD ?? false,
  };
  if (sp?.ScreenSize !== undefined) {
    const r: GoJSONObject = {};
    setIf(r, 'width', sp.ScreenSize.Width);
    setIf(r, 'height', sp.ScreenSize.Height);
    spec.screen_size = r;
  }
  o.spec = spec;
  return o;
}
