// The exec plugin's hot path without the CLI: `tshjs kube credentials` with a saved certificate
// that has more than a minute left needs only the profile file and the .cred file. bin/tshjs.js can
// call this before loading the CLI bundle (commander, the command registry, …); undefined means
// "run the full command" (no profile, no usable certificate, flags this path does not know, a
// profile it does not read plainly). It imports only node:fs/os/path and small pure modules, so its
// bundle (dist/kubecred-bin/, scripts/build.js) is one small file: what it loads is most of its cost.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultHome } from '../auth/keypaths.js';
import { certNotAfter } from './kubecertexpiry.js';
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

/**
 * The host of a proxy address as the profile is named after it (normalizeProxyAddr, then
 * profileNameFromAddr); undefined for anything but a plain host[:port] or [v6]:port.
 */
export function proxyHost(addr: string): string | undefined {
  const a = addr
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '');
  const m = /^\[([0-9A-Fa-f:.]+)\](?::\d+)?$/.exec(a) ?? /^([A-Za-z0-9._-]+)(?::\d+)?$/.exec(a);
  return m?.[1];
}

/** Plain (unquoted) scalars only: what yaml.v2 writes for ordinary hosts and user names. */
const PLAIN = /^[A-Za-z0-9._@+:[\]-]+$/;

/** Top-level `key: value` of the profile file, when written plainly; undefined otherwise. */
export function profileValue(yaml: string, key: string): string | undefined {
  const m = new RegExp(`^${key}:[ \\t]*(.*?)[ \\t]*$`, 'm').exec(yaml);
  const v = m?.[1];
  return v && PLAIN.test(v) ? v : undefined;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
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
    const proxy = a!['--proxy'] ?? env.TELEPORT_PROXY;
    const name =
      typeof proxy === 'string' && proxy
        ? proxyHost(proxy)
        : readText(path.join(home, 'current-profile'))?.trim();
    if (!name || /[/\\]/.test(name) || name === '.' || name === '..') return undefined;
    const profile = readText(path.join(home, `${name}.yaml`));
    if (profile === undefined) return undefined;
    // The key directory is named after the profile's own web proxy host (profileName).
    const web = profileValue(profile, 'web_proxy_addr');
    const host = web && proxyHost(web);
    const user = profileValue(profile, 'user');
    if (!host || !user || /[/\\]/.test(host + user)) return undefined;
    const text = readText(path.join(home, 'keys', host, `${user}-kube`, cluster, `${kube}.cred`));
    // decodeKubeCred: exactly a key part and a certificate part.
    const parts = text?.split('\n\n');
    if (!parts || parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
    const expires = certNotAfter(parts[1]);
    if (!expires) return undefined;
    const cert = { keyPem: `${parts[0]}\n`, certPem: parts[1], expires };
    if (!certUsable(cert, now)) return undefined;
    return execCredentialJson(cert, now);
  } catch {
    return undefined;
  }
}
