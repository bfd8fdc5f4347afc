// tsh status output: the text block and the profileInfo JSON/YAML shape.
import { goRFC3339, goTimeString, humanValidFor } from '../format/gotime.js';
import { sortedRecord } from './printer.js';
import type { ProfileStatus } from '../client/status.js';

const LABEL_WIDTH = 20;

function line(label: string, value: string, prefix = '  '): string {
  return `${prefix}${`${label}:`.padEnd(LABEL_WIDTH)}${value}\n`;
}

/** One profile block; `debug` adds traits and critical options as tsh --debug does. */
export function statusText(s: ProfileStatus, opts: { debug?: boolean; now?: Date } = {}): string {
  const now = opts.now ?? new Date();
  let out = line(
    'Profile URL',
    `${s.proxyURL}${s.proxyFromEnv ? ` (${s.proxyFromEnv})` : ''}`,
    s.isActive ? '> ' : '  ',
  );
  out += line('Logged in as', s.username);
  if (s.activeRequests.length) out += line('Active requests', s.activeRequests.join(', '));
  if (s.cluster) out += line('Cluster', `${s.cluster}${s.clusterFromEnv ? ` (${s.clusterFromEnv})` : ''}`);
  out += line('Roles', s.roles.join(', '));
  if (opts.debug) {
    const keys = Object.keys(s.traits).sort();
    keys.forEach((k, i) => {
      const v = `${k}: [${s.traits[k].join(' ')}]`;
      out += i === 0 ? line('Traits', v) : `${' '.repeat(LABEL_WIDTH + 2)}${v}\n`;
    });
  }
  if (s.logins.length) out += line('Logins', s.logins.join(', '));
  out += line('Kubernetes', s.kubeEnabled ? 'enabled' : 'disabled');
  if (s.kubeEnabled) {
    if (s.kubeCluster) out += line('Kubernetes cluster', JSON.stringify(s.kubeCluster));
    if (s.kubeUsers.length) out += line('Kubernetes users', s.kubeUsers.join(', '));
    if (s.kubeGroups.length) out += line('Kubernetes groups', s.kubeGroups.join(', '));
  }
  if (s.databases.length) out += line('Databases', s.databases.join(', '));
  if (s.allowedResources.length) out += line('Allowed Resources', s.allowedResources.join(', '));
  out += line(
    'Valid until',
    `${goTimeString(s.validUntil)} [${humanValidFor(s.validUntil.getTime() - now.getTime())}]`,
  );
  out += line('Extensions', s.extensions.join(', '));
  if (opts.debug) {
    const crit = Object.entries(s.criticalOptions).sort(([a], [b]) => a.localeCompare(b));
    crit.forEach(([k, v], i) => {
      out += i === 0 ? line('Critical options', `${k}: ${v}`) : `${' '.repeat(LABEL_WIDTH + 2)}${k}: ${v}\n`;
    });
  }
  return `${out}\n`;
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
  if (s.allowedResources.length) o.allowed_resources = s.allowedResources;
  return o;
}

/** The top-level `tsh status --format` document. */
export function statusDocument(
  active: ProfileStatus | undefined,
  others: ProfileStatus[],
  env?: Record<string, string>,
) {
  const doc: Record<string, unknown> = {};
  if (active) doc.active = profileInfo(active);
  doc.profiles = others.map(profileInfo);
  if (env && Object.keys(env).length) doc.environment = env;
  return doc;
}
