// Clusters (lib/teleterm/clusters + daemon.go): root clusters are the profiles in the tsh home
// (no network), leaves come from the root's PresenceService, AddCluster pings the proxy and saves
// a profile without logging in, GetCluster adds what only the cluster knows.
import { profileCluster, profileName, type Profile } from '../auth/profile.js';
import { normalizeProxyAddr } from '../client/addr.js';
import { profileFromPing } from '../client/login.js';
import { isExpired, profileStatus, type ProfileStatus } from '../client/status.js';
import { trustedRootsFromEnv, WebClient, type PingResponse } from '../client/webapi.js';
import { TshError } from '../util/errors.js';
import { TELEPORT_COMPAT_VERSION } from '../version.js';
import {
  Cluster,
  LoggedInUser_UserType,
  ShowResources,
  type LoggedInUser,
} from '../gen/teleport/lib/teleterm/v1/cluster.js';
import type { AuthSettings } from '../gen/teleport/lib/teleterm/v1/auth_settings.js';
import type { TerminalServiceServer } from '../gen/teleport/lib/teleterm/v1/service.js';
import type { DaemonDeps } from './deps.js';
import { daemonError } from './errors.js';
import { unary } from './handler.js';
import { leafClusterUri, rootClusterUri } from './uri.js';

/** What a profile's certificates say, or why they could not be read (no keys is not an error). */
function readStatus(deps: DaemonDeps, p: Profile): { status?: ProfileStatus; error?: string } {
  if (!p.username) return {};
  try {
    return { status: profileStatus(deps.profiles.paths, p, false, deps.env) };
  } catch (err) {
    if (err instanceof TshError && err.kind === 'not-found') return {};
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

function loggedInUser(s: ProfileStatus): LoggedInUser {
  return {
    name: s.username,
    roles: s.roles,
    sshLogins: s.logins,
    activeRequests: s.activeRequests,
    suggestedReviewers: [],
    requestableRoles: [],
    userType: LoggedInUser_UserType.USER_TYPE_UNSPECIFIED,
    isDeviceTrusted: false,
  };
}

/** The Cluster message of a root profile, from disk only. */
export function rootCluster(deps: DaemonDeps, p: Profile): Cluster {
  const { status, error } = readStatus(deps, p);
  return Cluster.fromPartial({
    uri: rootClusterUri(profileName(p)),
    name: profileCluster(p),
    proxyHost: normalizeProxyAddr(p.webProxyAddr),
    connected: !!status && !isExpired(status),
    leaf: false,
    loggedInUser: status ? loggedInUser(status) : undefined,
    profileStatusError: error ?? '',
    ssoHost: p.ssoHost ?? '',
  });
}

function readProfile(deps: DaemonDeps, name: string): Profile {
  let p: Profile | undefined;
  try {
    p = deps.profiles.read(name);
  } catch (err) {
    throw daemonError('bad-parameter', err instanceof Error ? err.message : String(err), err);
  }
  if (!p) throw daemonError('not-found', `profile ${JSON.stringify(name)} not found`);
  return p;
}

/** The proxy's ping for a profile (or a bare address). */
export async function pingProxy(
  deps: DaemonDeps,
  webProxyAddr: string,
  connector?: string,
): Promise<PingResponse> {
  const web = new WebClient({
    proxyAddr: normalizeProxyAddr(webProxyAddr),
    insecure: deps.insecure,
    ca: trustedRootsFromEnv(deps.env),
    userAgent: `tshjs/${TELEPORT_COMPAT_VERSION}`,
  });
  try {
    return await web.ping(connector);
  } finally {
    web.close();
  }
}

const SSO_TYPES = ['github', 'oidc', 'saml'] as const;

/** AuthSettings from ping (lib/teleterm GetAuthSettings reads the same ping fields). */
export function authSettingsFromPing(ping: PingResponse): AuthSettings {
  const a = ping.auth;
  const providers = SSO_TYPES.flatMap((type) => {
    const c = a[type] as { name?: string; display?: string } | undefined;
    return c?.name ? [{ type, name: c.name, displayName: c.display ?? '' }] : [];
  });
  return {
    localAuthEnabled: (a.local_auth_enabled as boolean | undefined) ?? a.local !== undefined,
    secondFactor: a.second_factor ?? '',
    preferredMfa: a.preferred_local_mfa ?? '',
    authProviders: providers,
    hasMessageOfTheDay: !!a.has_motd,
    authType: a.type ?? 'local',
    allowPasswordless: !!a.allow_passwordless,
    localConnectorName: a.local?.name ?? '',
  };
}

/** The user's requestable roles and suggested reviewers (GetAccessCapabilities); none when unavailable. */
async function capabilities(
  deps: DaemonDeps,
  clusterUri: string,
  user: string,
): Promise<Pick<LoggedInUser, 'requestableRoles' | 'suggestedReviewers'>> {
  try {
    const tc = await deps.clientFor(clusterUri);
    const { getAccessCapabilities } = await import('../client/accessrequests.js');
    const caps = await getAccessCapabilities(await tc.cluster(), {
      User: user,
      RequestableRoles: true,
      SuggestedReviewers: true,
    });
    return { requestableRoles: caps.RequestableRoles, suggestedReviewers: caps.SuggestedReviewers };
  } catch (err) {
    deps.log.debug('access capabilities unavailable', { cluster: clusterUri, error: String(err) });
    return { requestableRoles: [], suggestedReviewers: [] };
  }
}

export function clusterHandlers(deps: DaemonDeps): Partial<TerminalServiceServer> {
  const { profiles } = deps;
  return {
    listRootClusters: unary(async () => {
      const clusters = profiles.listNames().map((name) => {
        try {
          return rootCluster(deps, readProfile(deps, name));
        } catch (err) {
          // A profile that cannot be read still shows, with the reason.
          return Cluster.fromPartial({
            uri: rootClusterUri(name),
            name,
            profileStatusError: err instanceof Error ? err.message : String(err),
          });
        }
      });
      const current = profiles.currentName();
      return { clusters, currentRootClusterUri: current ? rootClusterUri(current) : '' };
    }),

    listLeafClusters: unary(async (req) => {
      const uri = deps.resolve(req.clusterUri);
      // Leaves have no leaves.
      if (uri.leaf !== undefined) return { clusters: [], currentRootClusterUri: '' };
      const root = rootCluster(deps, readProfile(deps, uri.profile));
      const tc = await deps.clientFor(uri.rootClusterUri);
      const leaves = await tc.remoteClusters();
      const clusters = leaves.map((rc) =>
        Cluster.fromPartial({
          uri: leafClusterUri(uri.profile, rc.Metadata?.Name ?? ''),
          name: rc.Metadata?.Name ?? '',
          connected: rc.Status?.Connection === 'online',
          leaf: true,
          loggedInUser: root.loggedInUser,
        }),
      );
      return { clusters, currentRootClusterUri: '' };
    }),

    addCluster: unary(async (req) => {
      if (!req.name) throw daemonError('bad-parameter', 'cluster address is missing');
      const webAddr = normalizeProxyAddr(req.name);
      const name = webAddr.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
      // An existing profile is returned as it is (storage.Add).
      if (profiles.listNames().includes(name)) return rootCluster(deps, readProfile(deps, name));
      const ping = await pingProxy(deps, webAddr);
      const p = profileFromPing(ping, webAddr, '', ping.cluster_name, {});
      profiles.write(p);
      const c = rootCluster(deps, readProfile(deps, profileName(p)));
      return { ...c, name: ping.cluster_name };
    }),

    getCluster: unary(async (req) => {
      const uri = deps.resolve(req.clusterUri);
      const p = readProfile(deps, uri.profile);
      const root = rootCluster(deps, p);
      const ping = await pingProxy(deps, p.webProxyAddr);
      let c: Cluster = {
        ...root,
        proxyVersion: ping.server_version,
        showResources: ShowResources.SHOW_RESOURCES_REQUESTABLE,
      };
      if (uri.leaf !== undefined) {
        c = { ...c, uri: uri.clusterUri, name: uri.leaf, leaf: true, proxyHost: '' };
      }
      if (root.loggedInUser) {
        // The profile records how the user logged in (SSO saves its connector and IdP host).
        const sso = !!p.ssoHost || (!!p.authConnector && p.authConnector !== 'local');
        c.loggedInUser = {
          ...root.loggedInUser,
          userType: sso ? LoggedInUser_UserType.USER_TYPE_SSO : LoggedInUser_UserType.USER_TYPE_LOCAL,
        };
        if (root.connected)
          Object.assign(c.loggedInUser, await capabilities(deps, uri.clusterUri, root.loggedInUser.name));
      }
      return c;
    }),

    getAuthSettings: unary(async (req) => {
      const uri = deps.resolve(req.clusterUri);
      const p = readProfile(deps, uri.profile);
      return authSettingsFromPing(await pingProxy(deps, p.webProxyAddr));
    }),
  };
}
