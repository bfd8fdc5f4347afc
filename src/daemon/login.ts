// Login and Logout (lib/teleterm/clusters/cluster_auth.go): a local login with the user, password
// and OTP token the app collected, or the SSO console flow (the browser opens as for `tshjs login`;
// TELEPORT_LOGIN_BROWSER=none logs the link instead), both through the client core's login, which
// saves keys and profile exactly as the CLI does. Logout removes the keys and, with
// remove_profile, the cluster itself.
import * as fs from 'node:fs';
import { profileCluster } from '../auth/profile.js';
import { logoutUser } from '../auth/logout.js';
import { login } from '../client/login.js';
import type { Prompter } from '../term/prompt.js';
import type { LoginRequest, TerminalServiceServer } from '../gen/teleport/lib/teleterm/v1/service.js';
import type { DaemonDeps } from './deps.js';
import { daemonError } from './errors.js';
import { unary } from './handler.js';

/** Answers the core's prompts from the request: never a terminal in a daemon. */
function requestPrompter(password: string, token: string): Prompter {
  return {
    password: async () => password,
    line: async () => {
      if (!token)
        throw daemonError('bad-parameter', 'the cluster asks for a second factor token, but none was given');
      return token;
    },
  };
}

async function runLogin(deps: DaemonDeps, req: LoginRequest): Promise<void> {
  const uri = deps.resolve(req.clusterUri);
  if (uri.leaf !== undefined) throw daemonError('bad-parameter', 'cannot log in to a leaf cluster');
  const p = deps.profileOf(req.clusterUri);
  const params = req.params;
  if (!params) throw daemonError('bad-parameter', 'missing login parameters');
  const warn = (text: string) => {
    const line = text.trim();
    if (line) deps.log.info(line, { cluster: req.clusterUri });
  };
  const common = {
    proxy: p.webProxyAddr,
    insecure: deps.insecure,
    warn,
  };
  const config = { home: deps.home, env: deps.env, insecure: deps.insecure, log: deps.log.client };
  if (params.$case === 'local') {
    const { user, password, token } = params.value;
    if (!user) throw daemonError('bad-parameter', 'missing user');
    await login(config, {
      ...common,
      user,
      otp: token || undefined,
      // A token given means the app chose OTP; otherwise the cluster's preferred method.
      mfaMode: token ? 'otp' : undefined,
      authConnector: 'local',
      prompter: requestPrompter(password, token),
    });
  } else {
    const { providerType, providerName } = params.value;
    if (!providerName) throw daemonError('bad-parameter', 'missing SSO provider name');
    deps.log.info('starting SSO login', { type: providerType, connector: providerName });
    await login(config, {
      ...common,
      // The connector's own ping tells the flow its type; the user comes from the IdP.
      user: p.username ?? '',
      authConnector: providerName,
      prompter: requestPrompter('', ''),
    });
  }
  deps.clearClients(uri.rootClusterUri);
}

async function runLogout(deps: DaemonDeps, clusterUri: string, removeProfile: boolean): Promise<void> {
  const uri = deps.resolve(clusterUri);
  const { profiles } = deps;
  let p;
  try {
    p = profiles.read(uri.profile);
  } catch {
    p = undefined; // a broken profile must not stop logout
  }
  deps.clearClients(uri.rootClusterUri);
  const wasCurrent = profiles.currentName() === uri.profile;
  if (p?.username) logoutUser(deps.home, uri.profile, p.username, deps.env);
  if (p?.kubeProxyAddr) {
    const { kubeconfigPath, removeFromKubeconfigFile } = await import('../client/kubeconfig.js');
    removeFromKubeconfigFile(kubeconfigPath(deps.env), profileCluster(p), `https://${p.kubeProxyAddr}`);
  }
  if (removeProfile) {
    profiles.remove(uri.profile);
    if (profiles.currentName() === uri.profile) fs.rmSync(profiles.paths.currentProfile(), { force: true });
    return;
  }
  // The cluster stays in the app: the profile is kept (logoutUser removes it with the keys).
  if (p && !profiles.read(uri.profile)) {
    profiles.write(p);
    if (wasCurrent) profiles.setCurrent(uri.profile);
  }
}

export function loginHandlers(deps: DaemonDeps): Partial<TerminalServiceServer> {
  return {
    login: unary(async (req) => {
      await runLogin(deps, req);
      return {};
    }),
    logout: unary(async (req) => {
      // Idempotent: logging out of a logged-out (or removed) cluster succeeds.
      await runLogout(deps, req.clusterUri, req.removeProfile);
      return {};
    }),
  };
}
