// The profile file <home>/<proxy>.yaml and current-profile (api/profile/profile.go).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { goYAML } from '../format/goyaml.js';
import {
  FlatYamlError,
  MAX_FLAT_YAML_BYTES,
  parseFlatYaml,
  type FlatNode,
  type FlatScalar,
} from './flatyaml.js';
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
  /**
   * Entries a newer tsh wrote that we do not know, as their raw YAML text (each key line with the
   * lines under it); written back unchanged after the known fields.
   */
  extraYaml?: string;
}

type FieldType = 'string' | 'bool' | 'strings' | 'duration';
type Field = { key: string; prop: keyof Profile; type: FieldType; always?: boolean };

// Upstream field order and yaml keys; `always` = no omitempty upstream.
const FIELDS: Field[] = [
  { key: 'web_proxy_addr', prop: 'webProxyAddr', type: 'string', always: true },
  { key: 'ssh_proxy_addr', prop: 'sshProxyAddr', type: 'string' },
  { key: 'kube_proxy_addr', prop: 'kubeProxyAddr', type: 'string' },
  { key: 'postgres_proxy_addr', prop: 'postgresProxyAddr', type: 'string' },
  { key: 'mysql_proxy_addr', prop: 'mysqlProxyAddr', type: 'string' },
  { key: 'mongo_proxy_addr', prop: 'mongoProxyAddr', type: 'string' },
  { key: 'user', prop: 'username', type: 'string' },
  { key: 'cluster', prop: 'siteName', type: 'string' },
  { key: 'dynamic_forward_ports', prop: 'dynamicForwardPorts', type: 'strings' },
  { key: 'dir', prop: 'dir', type: 'string', always: true },
  { key: 'tls_routing_enabled', prop: 'tlsRoutingEnabled', type: 'bool' },
  { key: 'tls_routing_conn_upgrade_required', prop: 'tlsRoutingConnUpgradeRequired', type: 'bool' },
  { key: 'auth_connector', prop: 'authConnector', type: 'string' },
  { key: 'load_all_cas', prop: 'loadAllCAs', type: 'bool' },
  { key: 'mfa_mode', prop: 'mfaMode', type: 'string' },
  { key: 'private_key_policy', prop: 'privateKeyPolicy', type: 'string', always: true },
  { key: 'piv_slot', prop: 'pivSlot', type: 'string', always: true },
  { key: 'missingclusterdetails', prop: 'missingClusterDetails', type: 'bool', always: true },
  { key: 'saml_slo_enabled', prop: 'samlSloEnabled', type: 'bool' },
  { key: 'ssh_dial_timeout', prop: 'sshDialTimeout', type: 'duration' },
  { key: 'sso_host', prop: 'ssoHost', type: 'string' },
];
const KNOWN_KEYS = new Set(FIELDS.map((f) => f.key));
// Keys older tsh versions wrote; dropped silently.
const OBSOLETE_KEYS = new Set(['auth_type', 'forward_ports']);

function isEmpty(v: unknown, type?: FieldType): boolean {
  // A zero time.Duration is omitted too; a duration string with no non-zero digit is zero.
  if (type === 'duration' && typeof v === 'string' && !/[1-9]/.test(v)) return true;
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

/**
 * The profile file as api/profile/profile.go saveToFile writes it: yaml.v2 Marshal of the Profile
 * struct, i.e. its fields in declaration order, omitempty ones left out when zero, each value
 * quoted (or folded at 80 columns) the way yaml.v2 does. A top-level struct field marshals exactly
 * as a one-key mapping, so each field goes through the yaml.v2 encoder on its own.
 */
export function encodeProfile(p: Profile): string {
  let out = '';
  for (const f of FIELDS) {
    const v = p[f.prop];
    if (!f.always && isEmpty(v, f.type)) continue;
    const value = v ?? (f.type === 'bool' ? false : '');
    try {
      out += goYAML({ [f.key]: value });
    } catch (err) {
      throw new TshError(`cannot write profile field "${f.key}": ${(err as Error).message}`, 'bad-parameter');
    }
  }
  return out + (p.extraYaml ?? '');
}

/** yaml.v2's YAML 1.1 booleans and nulls (resolve.go); only untagged plain scalars resolve. */
const YAML_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const YAML_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const YAML_NULL = new Set(['', '~', 'null', 'Null', 'NULL']);
/** time.ParseDuration's grammar. */
// Each number has one parse (digits, then maybe "." and digits) and ends at its unit, so the
// regex cannot backtrack super-linearly on a long run of digits.
const GO_DURATION = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$/;

const isNull = (n: FlatScalar): boolean => n.plain && YAML_NULL.has(n.value);

/** How yaml.v2 names what it found, for the error (decode.go's "cannot unmarshal !!str `x`"). */
function describe(n: FlatNode): string {
  if (n.kind === 'seq') return 'a list';
  if (n.kind === 'map') return 'a mapping';
  const shown = n.value.length > 40 ? `${n.value.slice(0, 40)}…` : n.value;
  return JSON.stringify(shown);
}

/**
 * One field's value as yaml.v2 Unmarshal would set it into the Go type, or undefined where
 * yaml.v2 reports an unmarshal error (tsh then refuses the profile).
 */
function fieldValue(f: Field, n: FlatNode): unknown {
  // A null leaves the Go zero value.
  if (n.kind === 'scalar' && isNull(n)) return undefined;
  switch (f.type) {
    case 'string':
      // A string field takes any scalar's text ("user: 123" is the user "123").
      return n.kind === 'scalar' ? n.value : undefined;
    case 'bool':
      if (n.kind !== 'scalar' || !n.plain) return undefined;
      return YAML_TRUE.has(n.value) ? true : YAML_FALSE.has(n.value) ? false : undefined;
    case 'strings':
      return n.kind === 'seq' ? n.items.map((i) => (isNull(i) ? '' : i.value)) : undefined;
    case 'duration':
      if (n.kind !== 'scalar') return undefined;
      // yaml.v2 reads an integer into a time.Duration as nanoseconds, a string via ParseDuration.
      if (n.plain && /^[-+]?\d+$/.test(n.value)) return goDurationString(BigInt(n.value));
      return GO_DURATION.test(n.value) ? n.value : undefined;
  }
}

const EXPECTED: Record<FieldType, string> = {
  string: 'a string',
  bool: 'true or false',
  strings: 'a list of strings',
  duration: 'a duration such as 30s',
};

const relogin = (file: string, what: string, kind: 'bad-parameter' | 'not-found' = 'bad-parameter') =>
  new TshError(`profile ${file} ${what}; fix or delete it and run "tshjs login"`, kind);

/**
 * Reads a profile as api/profile/profile.go profileFromFile does with yaml.v2 (unknown keys are
 * ignored, the last of repeated keys wins, a value of the wrong type is an error), with a reader
 * whose work is linear in the input; YAML outside what a profile can hold is a one-line error.
 */
export function decodeProfile(text: string, file = 'profile'): Profile {
  let entries;
  try {
    entries = parseFlatYaml(text);
  } catch (err) {
    if (!(err instanceof FlatYamlError)) throw err;
    if (err.notMapping) throw relogin(file, 'is not a YAML mapping');
    throw relogin(file, `is not valid YAML (${err.message})`);
  }
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const p: Profile = { webProxyAddr: '', privateKeyPolicy: '', pivSlot: '', missingClusterDetails: false };
  const target = p as unknown as Record<string, unknown>;
  for (const f of FIELDS) {
    const e = byKey.get(f.key);
    if (!e) continue;
    let node: FlatNode;
    try {
      node = e.value();
    } catch (err) {
      if (!(err instanceof FlatYamlError)) throw err;
      throw relogin(file, `is not valid YAML (${err.message})`);
    }
    const v = fieldValue(f, node);
    if (v === undefined) {
      if (node.kind === 'scalar' && isNull(node)) continue;
      throw relogin(
        file,
        `has an invalid "${f.key}" on line ${node.line} (must be ${EXPECTED[f.type]}, not ${describe(node)})`,
      );
    }
    target[f.prop] = v;
  }
  const extra = entries
    .filter((e) => !KNOWN_KEYS.has(e.key) && !OBSOLETE_KEYS.has(e.key) && byKey.get(e.key) === e)
    .map((e) => e.raw)
    .join('');
  if (extra) p.extraYaml = extra;
  if (!p.webProxyAddr) throw relogin(file, 'has no web_proxy_addr', 'not-found');
  return p;
}

/** The file's bytes (undefined when missing); a file over `max` bytes is refused unread. */
function readBounded(file: string, max: number): Buffer | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size > max) throw relogin(file, `is ${size} bytes, too large for a profile`);
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
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
    const buf = readBounded(file, MAX_FLAT_YAML_BYTES);
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
