// The profile file <home>/<proxy>.yaml and current-profile (api/profile/profile.go).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { yaml } from '../util/lazy.js';
import { parseFlatYaml } from './flatyaml.js';
import { TshError } from '../util/errors.js';
import { readFileIfExists, writeFileAtomic } from '../util/fsutil.js';
import { KeyPaths } from './keypaths.js';
import { goDurationString, parseGoDuration } from '../format/duration.js';

/** Upstream writes profile files and current-profile 0660. */
export const PROFILE_FILE_MODE = 0o660;

export interface Profile {
  webProxyAddr: string;
  sshProxyAddr?: string;
  kubeProxyAddr?: string;
  postgresProxyAddr?: string;
  mysqlProxyAddr?: string;
  mongoProxyAddr?: string;
  username?: string;
  siteName?: string;
  dynamicForwardPorts?: string[];
  dir?: string;
  tlsRoutingEnabled?: boolean;
  tlsRoutingConnUpgradeRequired?: boolean;
  authConnector?: string;
  loadAllCAs?: boolean;
  mfaMode?: string;
  privateKeyPolicy: string;
  pivSlot: string;
  missingClusterDetails: boolean;
  samlSloEnabled?: boolean;
  /**
   * ssh_dial_timeout: a Go time.Duration as yaml.v2 writes it (Duration.String(), e.g. "30s";
   * left out when zero). Login copies ping's proxy.ssh.dial_timeout here.
   */
  sshDialTimeout?: string;
  ssoHost?: string;
  /** Keys a newer tsh wrote that we do not know; kept on rewrite. */
  extra?: Record<string, unknown>;
}

type Field = { key: string; prop: keyof Profile; always?: boolean };

// Upstream field order and yaml keys; `always` = no omitempty upstream.
const FIELDS: Field[] = [
  { key: 'web_proxy_addr', prop: 'webProxyAddr', always: true },
  { key: 'ssh_proxy_addr', prop: 'sshProxyAddr' },
  { key: 'kube_proxy_addr', prop: 'kubeProxyAddr' },
  { key: 'postgres_proxy_addr', prop: 'postgresProxyAddr' },
  { key: 'mysql_proxy_addr', prop: 'mysqlProxyAddr' },
  { key: 'mongo_proxy_addr', prop: 'mongoProxyAddr' },
  { key: 'user', prop: 'username' },
  { key: 'cluster', prop: 'siteName' },
  { key: 'dynamic_forward_ports', prop: 'dynamicForwardPorts' },
  { key: 'dir', prop: 'dir', always: true },
  { key: 'tls_routing_enabled', prop: 'tlsRoutingEnabled' },
  { key: 'tls_routing_conn_upgrade_required', prop: 'tlsRoutingConnUpgradeRequired' },
  { key: 'auth_connector', prop: 'authConnector' },
  { key: 'load_all_cas', prop: 'loadAllCAs' },
  { key: 'mfa_mode', prop: 'mfaMode' },
  { key: 'private_key_policy', prop: 'privateKeyPolicy', always: true },
  { key: 'piv_slot', prop: 'pivSlot', always: true },
  { key: 'missingclusterdetails', prop: 'missingClusterDetails', always: true },
  { key: 'saml_slo_enabled', prop: 'samlSloEnabled' },
  { key: 'ssh_dial_timeout', prop: 'sshDialTimeout' },
  { key: 'sso_host', prop: 'ssoHost' },
];
const KNOWN_KEYS = new Set(FIELDS.map((f) => f.key));
// Keys older tsh versions wrote; dropped silently.
const OBSOLETE_KEYS = new Set(['auth_type', 'forward_ports']);

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === false || (Array.isArray(v) && v.length === 0);
}

/** api/defaults DefaultIOTimeout: what upstream uses when a profile has no ssh_dial_timeout. */
export const DEFAULT_SSH_DIAL_TIMEOUT_MS = 30_000;

/**
 * The profile's SSH dial timeout in milliseconds. As api/profile/profile.go profileFromFile does,
 * a missing or zero value reads as DefaultIOTimeout; so does one that is not a Go duration.
 */
export function profileSshDialTimeoutMs(p: Profile): number {
  if (!p.sshDialTimeout) return DEFAULT_SSH_DIAL_TIMEOUT_MS;
  try {
    const ms = parseGoDuration(p.sshDialTimeout);
    return ms > 0 ? ms : DEFAULT_SSH_DIAL_TIMEOUT_MS;
  } catch {
    return DEFAULT_SSH_DIAL_TIMEOUT_MS;
  }
}

/** Profile name = host part of web_proxy_addr (no port). */
export function profileNameFromAddr(webProxyAddr: string): string {
  return splitHostPort(webProxyAddr).host;
}

export function splitHostPort(addr: string): { host: string; port?: number } {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(addr);
  if (bracket) return { host: bracket[1], port: bracket[2] ? Number(bracket[2]) : undefined };
  const idx = addr.lastIndexOf(':');
  if (idx > 0 && addr.indexOf(':') === idx) {
    return { host: addr.slice(0, idx), port: Number(addr.slice(idx + 1)) };
  }
  return { host: addr };
}

export function profileName(p: Profile): string {
  return profileNameFromAddr(p.webProxyAddr);
}

/** The cluster a profile points at; upstream falls back to the profile name. */
export function profileCluster(p: Profile): string {
  return p.siteName || profileName(p);
}

export function encodeProfile(p: Profile): string {
  const doc: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const v = p[f.prop];
    if (f.always || !isEmpty(v)) doc[f.key] = v ?? (f.key === 'missingclusterdetails' ? false : '');
  }
  for (const [k, v] of Object.entries(p.extra ?? {})) {
    if (!KNOWN_KEYS.has(k)) doc[k] = v;
  }
  return yaml().stringify(doc, { indentSeq: false, lineWidth: 0 });
}

function asString(v: unknown, key: string, file: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TshError(
    `profile ${file}: "${key}" must be a string; fix or delete the file and run "tshjs login"`,
    'bad-parameter',
  );
}

export function decodeProfile(text: string, file = 'profile'): Profile {
  let doc: unknown = parseFlatYaml(text);
  try {
    doc ??= yaml().parse(text);
  } catch (err) {
    const first = (err as Error).message.split('\n')[0];
    throw new TshError(
      `profile ${file} is not valid YAML (${first}); delete it and run "tshjs login"`,
      'bad-parameter',
    );
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new TshError(
      `profile ${file} is not a YAML mapping; delete it and run "tshjs login"`,
      'bad-parameter',
    );
  }
  const raw = doc as Record<string, unknown>;
  const p: Profile = { webProxyAddr: '', privateKeyPolicy: '', pivSlot: '', missingClusterDetails: false };
  const target = p as unknown as Record<string, unknown>;
  for (const f of FIELDS) {
    const v = raw[f.key];
    if (v === undefined || v === null) continue;
    if (f.prop === 'dynamicForwardPorts') {
      target[f.prop] = Array.isArray(v) ? v.map(String) : [];
    } else if (f.prop === 'sshDialTimeout' && typeof v === 'number') {
      // yaml.v2 reads an integer into a time.Duration as nanoseconds.
      target[f.prop] = goDurationString(v);
    } else if (typeof p[f.prop] === 'boolean' || /enabled|required|load_all_cas|missing/.test(f.key)) {
      target[f.prop] = v === true || v === 'true';
    } else {
      target[f.prop] = asString(v, f.key, file);
    }
  }
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!KNOWN_KEYS.has(k) && !OBSOLETE_KEYS.has(k)) extra[k] = v;
  }
  if (Object.keys(extra).length) p.extra = extra;
  if (!p.webProxyAddr) {
    throw new TshError(`profile ${file} has no web_proxy_addr; delete it and run "tshjs login"`, 'not-found');
  }
  return p;
}

export class ProfileStore {
  readonly paths: KeyPaths;
  constructor(readonly home: string) {
    this.paths = new KeyPaths(home);
  }

  /** Names of all profiles: every regular *.yaml file in the home directory. */
  listNames(): string[] {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(this.home, { withFileTypes: true });
    } catch {
      return [];
    }
    return entries
      .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
      .map((e) => e.name.slice(0, -'.yaml'.length))
      .sort();
  }

  currentName(): string | undefined {
    const buf = readFileIfExists(this.paths.currentProfile());
    const name = buf?.toString('utf8').trim();
    return name || undefined;
  }

  setCurrent(name: string): void {
    writeFileAtomic(this.paths.currentProfile(), `${name}\n`, PROFILE_FILE_MODE);
  }

  /** Reads a profile; `dir` is always the directory the file was read from, as upstream. */
  read(name: string): Profile | undefined {
    const file = this.paths.profileFile(name);
    const buf = readFileIfExists(file);
    if (!buf) return undefined;
    const p = decodeProfile(buf.toString('utf8'), file);
    p.dir = path.dirname(file);
    return p;
  }

  write(p: Profile): void {
    const name = profileName(p);
    writeFileAtomic(
      this.paths.profileFile(name),
      encodeProfile({ ...p, dir: p.dir ?? this.home }),
      PROFILE_FILE_MODE,
    );
  }

  remove(name: string): void {
    fs.rmSync(this.paths.profileFile(name), { force: true });
  }
}
