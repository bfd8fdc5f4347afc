// tsh status output: the text block (tool/tsh/common/tsh.go printStatus) and the profileInfo
// JSON/YAML shape (makeProfileInfo, serializeProfiles). Facts and sources: docs/output-status.md.
import { goRFC3339, goTimeString, humanValidFor } from '../format/gotime.js';
import { sortedRecord } from './printer.js';
import type { ProfileStatus } from '../client/status.js';

const LABEL_WIDTH = 20;

function line(label: string, value: string, prefix = '  '): string {
  return `${prefix}${`${label}:`.padEnd(LABEL_WIDTH)}${value}\n`;
}

// teleport.OktaAccessRoleContext / OktaReviewerRoleContext (constants.go).
const OKTA_ROLE_CONTEXTS = ['access-okta-acl-role', 'reviewer-okta-acl-role'];
const SQUASH_ROLES_THRESHOLD = 9;

/** tsh.go rolesToString: sorted, Okta access-list roles last, squashed past 9 roles unless --debug. */
export function rolesToString(debug: boolean, roles: string[]): string {
  const sorted = [...roles].sort();
  const isOkta = (r: string) => OKTA_ROLE_CONTEXTS.some((c) => r.includes(c));
  const okta = sorted.filter(isOkta);
  const other = sorted.filter((r) => !isOkta(r));
  if (okta.length === 0) return other.join(', ');
  if (!debug && other.length + okta.length > SQUASH_ROLES_THRESHOLD) {
    return [...other, `and ${okta.length} more Okta access list roles ...`].join(', ');
  }
  return [...other, ...okta].join(', ');
}

/** Go's strconv.Quote (fmt %q of a string). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (r >= 0xd800 && r <= 0xdfff) out += '\\ufffd';
    else if (ch === ' ' || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) out += ch;
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\v') out += '\\v';
    else if (r < 0x20 || r === 0x7f) out += `\\x${r.toString(16).padStart(2, '0')}`;
    else if (r < 0x10000) out += `\\u${r.toString(16).padStart(4, '0')}`;
    else out += `\\U${r.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** Go's json.Marshal of a string list (types.ResourceIDsToString). */
function goJSONStrings(list: string[]): string {
  return JSON.stringify(list)
    .replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\\([\\bf])/g, (m, c: string) => (c === '\\' ? m : c === 'b' ? '\\u0008' : '\\u000c'));
}

/** One profile block; `debug` adds traits and critical options as tsh --debug does. */
export function statusText(s: ProfileStatus, opts: { debug?: boolean; now?: Date } = {}): string {
  const now = opts.now ?? new Date();
  const debug = opts.debug ?? false;
  // getProxyURLLine / getClusterLine / getKubeClusterLine: env markers apply to the active profile.
  const marked = (v: string, from: string | undefined) => (s.isActive && from ? `${v} (${from})` : v);
  let out = line('Profile URL', marked(s.proxyURL, s.proxyFromEnv), s.isActive ? '> ' : '  ');
  out += line('Logged in as', s.username);
  if (s.activeRequests.length) out += line('Active requests', s.activeRequests.join(', '));
  const cluster = marked(s.cluster, s.clusterFromEnv);
  if (cluster) out += line('Cluster', cluster);
  out += line('Roles', rolesToString(debug, s.roles));
  if (debug) {
    // Go ranges over a map (random order) and skips traits without values; tshjs sorts.
    const keys = Object.keys(s.traits)
      .sort()
      .filter((k) => s.traits[k].length > 0);
    keys.forEach((k, i) => {
      const v = `${k}: [${s.traits[k].join(' ')}]`;
      out += i === 0 ? line('Traits', v) : `${' '.repeat(LABEL_WIDTH + 2)}${v}\n`;
    });
  }
  if (s.logins.length) out += line('Logins', s.logins.join(', '));
  out += line('Kubernetes', s.kubeEnabled ? 'enabled' : 'disabled');
  if (s.kubeEnabled) {
    const kube = marked(s.kubeCluster ?? '', s.kubeClusterFromEnv);
    if (kube) out += line('Kubernetes cluster', goQuote(kube));
    if (s.kubeUsers.length) out += line('Kubernetes users', s.kubeUsers.join(', '));
    if (s.kubeGroups.length) out += line('Kubernetes groups', s.kubeGroups.join(', '));
  }
  if (s.databases.length) out += line('Databases', s.databases.join(', '));
  if (s.allowedResources.length) out += line('Allowed Resources', goJSONStrings(s.allowedResources));
  if (s.githubIdentity) out += line('GitHub username', s.githubIdentity.username);
  out += line(
    'Valid until',
    `${goTimeString(s.validUntil)} [${humanValidFor(s.validUntil.getTime() - now.getTime())}]`,
  );
  out += line('Extensions', s.extensions.join(', '));
  if (debug) {
    const crit = Object.keys(s.criticalOptions).sort();
    crit.forEach((k, i) => {
      const v = `${k}: ${s.criticalOptions[k]}`;
      out += i === 0 ? line('Critical options', v) : `${' '.repeat(LABEL_WIDTH + 2)}${v}\n`;
    });
  }
  return `${out}\n`;
}

/**
 * types.ResourceID of a "/cluster/kind/name[/sub]" string (ResourceIDFromString), with its JSON
 * tags: cluster, kind, name, sub_resource (omitempty).
 */
function resourceIDJSON(raw: string): Record<string, string> {
  const parts = raw.replace(/^\//, '').replace(/\/+$/, '').split('/');
  const id: Record<string, string> = {
    cluster: parts[0] ?? '',
    kind: parts[1] ?? '',
    name: parts[2] ?? '',
  };
  if (parts.length > 3) id.sub_resource = parts.slice(3).join('/');
  return id;
}

/** profileInfo with upstream key order and omitempty rules. */
export function profileInfo(s: ProfileStatus): Record<string, unknown> {
  const o: Record<string, unknown> = { profile_url: s.proxyURL, username: s.username };
  if (s.activeRequests.length) o.active_requests = s.activeRequests;
  o.cluster = s.cluster;
  if (s.roles.length) o.roles = s.roles;
  if (Object.keys(s.traits).length) o.traits = sortedRecord(s.traits);
  if (s.logins.length) o.logins = s.logins;
  o.kubernetes_enabled = s.kubeEnabled;
  if (s.kubeCluster) o.kubernetes_cluster = s.kubeCluster;
  if (s.kubeUsers.length) o.kubernetes_users = s.kubeUsers;
  if (s.kubeGroups.length) o.kubernetes_groups = s.kubeGroups;
  if (s.databases.length) o.databases = s.databases;
  o.valid_until = goRFC3339(s.validUntil);
  if (s.extensions.length) o.extensions = s.extensions;
  if (Object.keys(s.criticalOptions).length) o.critical_options = sortedRecord(s.criticalOptions);
  if (s.allowedResources.length) o.allowed_resources = s.allowedResources.map(resourceIDJSON);
  if (s.githubIdentity) {
    o.github_identity = { UserID: s.githubIdentity.userID, Username: s.githubIdentity.username };
  }
  return o;
}

/** The top-level `tsh status --format` document; `environment` whenever a status variable is set. */
export function statusDocument(
  active: ProfileStatus | undefined,
  others: ProfileStatus[],
  env?: Record<string, string>,
) {
  const doc: Record<string, unknown> = {};
  if (active) doc.active = profileInfo(active);
  doc.profiles = others.map(profileInfo);
  if (env && Object.keys(env).length) doc.environment = sortedRecord(env);
  return doc;
}
