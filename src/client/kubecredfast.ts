// The exec plugin's hot path without the CLI: `tshjs kube credentials` with a saved certificate
// that has more than a minute left needs only the profile file and the .cred file. bin/tshjs.js can
// call this before loading the CLI bundle (commander, the command registry, …); undefined means
// "run the full command" (no profile, no usable certificate, flags this path does not know).
import * as path from 'node:path';
import { ProfileStore, profileName, profileNameFromAddr } from '../auth/profile.js';
import { defaultHome } from '../auth/keypaths.js';
import { readFileIfExists } from '../util/fsutil.js';
import { normalizeProxyAddr } from './addr.js';
import { parseKubeCred } from './kubecerts.js';
import { certUsable, execCredentialJson } from './kubecred.js';

/** --name=value or --name value; undefined for a flag this path does not handle. */
function parseArgs(argv: string[]): Record<string, string | true> | undefined {
  if (argv[0] !== 'kube' || argv[1] !== 'credentials') return undefined;
  const known = new Set(['--kube-cluster', '--teleport-cluster', '--proxy', '--insecure']);
  const out: Record<string, string | true> = {};
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (!known.has(name)) return undefined;
    if (name === '--insecure') out[name] = true;
    else if (eq > 0) out[name] = a.slice(eq + 1);
    else if (i + 1 < argv.length) out[name] = argv[++i]!;
    else return undefined;
  }
  return out;
}

/** The ExecCredential line for a cached certificate, or undefined. Never throws. */
export function cachedKubeCredentials(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  now = new Date(),
): string | undefined {
  try {
    const a = parseArgs(argv);
    const kube = a?.['--kube-cluster'];
    const cluster = a?.['--teleport-cluster'];
    if (typeof kube !== 'string' || typeof cluster !== 'string' || !kube || !cluster) return undefined;
    if (/[/\\]/.test(kube + cluster) || ['.', '..'].includes(kube) || ['.', '..'].includes(cluster))
      return undefined;
    const home = defaultHome(env);
    const store = new ProfileStore(home);
    const proxy = a!['--proxy'] ?? env.TELEPORT_PROXY;
    const name =
      typeof proxy === 'string' && proxy
        ? profileNameFromAddr(normalizeProxyAddr(proxy))
        : store.currentName();
    const p = name ? store.read(name) : undefined;
    if (!p?.username) return undefined;
    const file = path.join(
      store.paths.proxyKeyDir(profileName(p)),
      `${p.username}-kube`,
      cluster,
      `${kube}.cred`,
    );
    const text = readFileIfExists(file)?.toString('utf8');
    const cert = text ? parseKubeCred(text) : undefined;
    if (!cert || !certUsable(cert, now)) return undefined;
    return execCredentialJson(cert, now);
  } catch {
    return undefined;
  }
}
