// Profile YAML (<home>/<proxy>.yaml) and current-profile, byte for byte as upstream's
// api/profile/profile.go writes them with gopkg.in/yaml.v2 (see docs/upstream-facts-login.md §10).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_SSH_DIAL_TIMEOUT_MS,
  PROFILE_FILE_MODE,
  ProfileStore,
  decodeProfile,
  encodeProfile,
  profileCluster,
  profileName,
  profileNameFromAddr,
  profileSshDialTimeoutMs,
  splitHostPort,
  type Profile,
} from '../../../src/auth/profile.js';
import { TshError } from '../../../src/util/errors.js';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-profile-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const mode = (f: string) => fs.statSync(f).mode & 0o777;

function thrown(fn: () => unknown): TshError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TshError);
    return err as TshError;
  }
  throw new Error('expected a TshError');
}

const full: Profile = {
  webProxyAddr: 'teleport.example.com:443',
  sshProxyAddr: 'teleport.example.com:3023',
  kubeProxyAddr: 'teleport.example.com:3026',
  postgresProxyAddr: 'teleport.example.com:443',
  mysqlProxyAddr: 'teleport.example.com:3036',
  mongoProxyAddr: 'teleport.example.com:27017',
  username: 'alice',
  siteName: 'example-cluster',
  dynamicForwardPorts: ['127.0.0.1:8080', '127.0.0.1:9090'],
  dir: '/home/alice/.tsh',
  tlsRoutingEnabled: true,
  tlsRoutingConnUpgradeRequired: true,
  authConnector: 'github',
  loadAllCAs: true,
  mfaMode: 'auto',
  privateKeyPolicy: 'hardware_key',
  pivSlot: '9a',
  missingClusterDetails: true,
  samlSloEnabled: true,
  sshDialTimeout: '30s',
};

// Upstream order: web, ssh, kube, postgres, mysql, mongo, user, cluster, dynamic_forward_ports,
// dir, tls_routing_enabled, tls_routing_conn_upgrade_required, auth_connector, load_all_cas,
// mfa_mode, private_key_policy, piv_slot, missingclusterdetails, saml_slo_enabled, ssh_dial_timeout.
const fullYaml = `web_proxy_addr: teleport.example.com:443
ssh_proxy_addr: teleport.example.com:3023
kube_proxy_addr: teleport.example.com:3026
postgres_proxy_addr: teleport.example.com:443
mysql_proxy_addr: teleport.example.com:3036
mongo_proxy_addr: teleport.example.com:27017
user: alice
cluster: example-cluster
dynamic_forward_ports:
- 127.0.0.1:8080
- 127.0.0.1:9090
dir: /home/alice/.tsh
tls_routing_enabled: true
tls_routing_conn_upgrade_required: true
auth_connector: github
load_all_cas: true
mfa_mode: auto
private_key_policy: hardware_key
piv_slot: 9a
missingclusterdetails: true
saml_slo_enabled: true
ssh_dial_timeout: 30s
`;

describe('encodeProfile', () => {
  it('writes every field in upstream order', () => {
    expect(encodeProfile(full)).toBe(fullYaml);
  });

  it('minimal profile: omitempty keys absent, dir/private_key_policy/piv_slot/missingclusterdetails present', () => {
    const minimal: Profile = {
      webProxyAddr: 'proxy.example.com:443',
      privateKeyPolicy: '',
      pivSlot: '',
      missingClusterDetails: false,
    };
    expect(encodeProfile(minimal)).toBe(
      'web_proxy_addr: proxy.example.com:443\n' +
        'dir: ""\n' +
        'private_key_policy: ""\n' +
        'piv_slot: ""\n' +
        'missingclusterdetails: false\n',
    );
  });

  it('treats false, empty strings and empty lists as omitted', () => {
    const p: Profile = {
      webProxyAddr: 'proxy.example.com:3080',
      sshProxyAddr: '',
      username: 'bob',
      dynamicForwardPorts: [],
      dir: '/h',
      tlsRoutingEnabled: false,
      loadAllCAs: false,
      samlSloEnabled: false,
      privateKeyPolicy: 'none',
      pivSlot: '',
      missingClusterDetails: false,
    };
    expect(encodeProfile(p)).toBe(
      'web_proxy_addr: proxy.example.com:3080\n' +
        'user: bob\n' +
        'dir: /h\n' +
        'private_key_policy: none\n' +
        'piv_slot: ""\n' +
        'missingclusterdetails: false\n',
    );
  });

  it('round-trips through decodeProfile', () => {
    expect(decodeProfile(encodeProfile(full))).toEqual(full);
    expect(encodeProfile(decodeProfile(fullYaml))).toBe(fullYaml);
  });
});

describe('decodeProfile', () => {
  // What tsh v17 writes, plus keys from a newer tsh (unknown to us) and keys from old tsh.
  const realTsh = `web_proxy_addr: teleport.example.com:443
ssh_proxy_addr: teleport.example.com:3023
kube_proxy_addr: teleport.example.com:3026
postgres_proxy_addr: teleport.example.com:443
mysql_proxy_addr: teleport.example.com:3036
user: alice@example.com
cluster: example-cluster
dir: /home/alice/.tsh
tls_routing_enabled: true
auth_connector: github
mfa_mode: auto
private_key_policy: none
piv_slot: ""
missingclusterdetails: false
saml_slo_enabled: true
ssh_dial_timeout: 30s
auth_type: github
forward_ports:
- 8080:localhost:80
relay_addr: relay.example.com:443
future_block:
  nested: [1, 2]
  flag: true
`;

  it('reads the fields tsh writes', () => {
    const p = decodeProfile(realTsh, '/home/alice/.tsh/teleport.example.com.yaml');
    expect(p).toEqual({
      webProxyAddr: 'teleport.example.com:443',
      sshProxyAddr: 'teleport.example.com:3023',
      kubeProxyAddr: 'teleport.example.com:3026',
      postgresProxyAddr: 'teleport.example.com:443',
      mysqlProxyAddr: 'teleport.example.com:3036',
      username: 'alice@example.com',
      siteName: 'example-cluster',
      dir: '/home/alice/.tsh',
      tlsRoutingEnabled: true,
      authConnector: 'github',
      mfaMode: 'auto',
      privateKeyPolicy: 'none',
      pivSlot: '',
      missingClusterDetails: false,
      samlSloEnabled: true,
      sshDialTimeout: '30s',
      extraYaml: 'relay_addr: relay.example.com:443\nfuture_block:\n  nested: [1, 2]\n  flag: true\n',
    });
    expect(profileName(p)).toBe('teleport.example.com');
    expect(profileCluster(p)).toBe('example-cluster');
  });

  it('keeps unknown entries verbatim on re-encode and drops obsolete auth_type / forward_ports', () => {
    const out = encodeProfile(decodeProfile(realTsh));
    expect(out).toBe(`web_proxy_addr: teleport.example.com:443
ssh_proxy_addr: teleport.example.com:3023
kube_proxy_addr: teleport.example.com:3026
postgres_proxy_addr: teleport.example.com:443
mysql_proxy_addr: teleport.example.com:3036
user: alice@example.com
cluster: example-cluster
dir: /home/alice/.tsh
tls_routing_enabled: true
auth_connector: github
mfa_mode: auto
private_key_policy: none
piv_slot: ""
missingclusterdetails: false
saml_slo_enabled: true
ssh_dial_timeout: 30s
relay_addr: relay.example.com:443
future_block:
  nested: [1, 2]
  flag: true
`);
    expect(out).not.toContain('auth_type');
    expect(out).not.toContain('forward_ports:\n- 8080');
    // Stable: a second round changes nothing.
    expect(encodeProfile(decodeProfile(out))).toBe(out);
  });

  it('falls back to the profile name when cluster is empty', () => {
    const p = decodeProfile('web_proxy_addr: proxy.example.com:3080\n');
    expect(p).toEqual({
      webProxyAddr: 'proxy.example.com:3080',
      privateKeyPolicy: '',
      pivSlot: '',
      missingClusterDetails: false,
    });
    expect(profileCluster(p)).toBe('proxy.example.com');
  });

  const file = '/home/alice/.tsh/proxy.example.com.yaml';
  it.each([
    ['corrupt YAML', 'web_proxy_addr: [unclosed\n', /is not valid YAML/, 'bad-parameter'],
    ['a list', '- web_proxy_addr\n- x\n', /is not a YAML mapping/, 'bad-parameter'],
    ['a scalar', 'just some text\n', /is not a YAML mapping/, 'bad-parameter'],
    ['empty', '', /is not a YAML mapping/, 'bad-parameter'],
    ['no web_proxy_addr', 'user: alice\ncluster: c\n', /has no web_proxy_addr/, 'not-found'],
    [
      'a mapping where a string belongs',
      'web_proxy_addr: p:443\nuser: {a: 1}\n',
      /invalid "user" on line 2 \(must be a string/,
      'bad-parameter',
    ],
  ])('%s → one-line TshError naming the file', (_name, text, re, kind) => {
    const err = thrown(() => decodeProfile(text, file));
    expect(err.message).toMatch(re);
    expect(err.message).toContain(file);
    expect(err.message).not.toContain('\n');
    expect(err.kind).toBe(kind);
  });
});

// api/profile/profile.go: SSHDialTimeout time.Duration `yaml:"ssh_dial_timeout,omitempty"`, after
// saml_slo_enabled (SSOHost, sso_host, follows it); gopkg.in/yaml.v2 writes a Duration as
// Duration.String() and reads either that string or an integer of nanoseconds; profileFromFile
// turns a zero value into api/defaults DefaultIOTimeout (30s).
describe('ssh_dial_timeout', () => {
  const base: Profile = {
    webProxyAddr: 'proxy.example.com:443',
    username: 'alice',
    dir: '/h',
    privateKeyPolicy: 'none',
    pivSlot: '',
    missingClusterDetails: false,
  };

  it('is written after saml_slo_enabled and before sso_host, as a Go duration string', () => {
    expect(
      encodeProfile({ ...base, samlSloEnabled: true, sshDialTimeout: '1m30s', ssoHost: 'idp.example.com' }),
    ).toBe(
      'web_proxy_addr: proxy.example.com:443\n' +
        'user: alice\n' +
        'dir: /h\n' +
        'private_key_policy: none\n' +
        'piv_slot: ""\n' +
        'missingclusterdetails: false\n' +
        'saml_slo_enabled: true\n' +
        'ssh_dial_timeout: 1m30s\n' +
        'sso_host: idp.example.com\n',
    );
    expect(encodeProfile(base)).not.toContain('ssh_dial_timeout');
  });

  it('reads back the string form and the integer (nanoseconds) form', () => {
    const text = (v: string) => `web_proxy_addr: proxy.example.com:443\nssh_dial_timeout: ${v}\n`;
    expect(decodeProfile(text('30s')).sshDialTimeout).toBe('30s');
    expect(decodeProfile(text('45000000000')).sshDialTimeout).toBe('45s');
    expect(decodeProfile(text('1500000000')).sshDialTimeout).toBe('1.5s');
    expect(encodeProfile(decodeProfile(text('45000000000')))).toContain('ssh_dial_timeout: 45s\n');
  });

  it('missing or zero means DefaultIOTimeout (30s)', () => {
    expect(DEFAULT_SSH_DIAL_TIMEOUT_MS).toBe(30_000);
    expect(profileSshDialTimeoutMs(base)).toBe(30_000);
    expect(profileSshDialTimeoutMs({ ...base, sshDialTimeout: '0s' })).toBe(30_000);
    expect(profileSshDialTimeoutMs({ ...base, sshDialTimeout: '1m30s' })).toBe(90_000);
    expect(profileSshDialTimeoutMs({ ...base, sshDialTimeout: 'soon' })).toBe(30_000);
  });
});

describe('ProfileStore', () => {
  it('writes <name>.yaml and current-profile with mode 0660', () => {
    const home = path.join(tmp, 'write');
    const store = new ProfileStore(home);
    const old = process.umask(0o022);
    try {
      store.write({ ...full, dir: undefined });
      store.setCurrent('teleport.example.com');
    } finally {
      process.umask(old);
    }
    expect(PROFILE_FILE_MODE).toBe(0o660);
    const yamlFile = path.join(home, 'teleport.example.com.yaml');
    expect(mode(yamlFile)).toBe(0o660);
    // dir defaults to the store's home.
    expect(fs.readFileSync(yamlFile, 'utf8')).toBe(fullYaml.replace('dir: /home/alice/.tsh', `dir: ${home}`));
    const cur = path.join(home, 'current-profile');
    expect(fs.readFileSync(cur, 'utf8')).toBe('teleport.example.com\n');
    expect(mode(cur)).toBe(0o660);
    expect(store.currentName()).toBe('teleport.example.com');
    // No temp files left behind.
    expect(fs.readdirSync(home).sort()).toEqual(['current-profile', 'teleport.example.com.yaml']);
  });

  it('read() sets dir to the directory the file is in', () => {
    const home = path.join(tmp, 'read');
    fs.mkdirSync(home);
    fs.writeFileSync(
      path.join(home, 'p.example.com.yaml'),
      'web_proxy_addr: p.example.com:443\ndir: /somewhere/else\n',
    );
    const p = new ProfileStore(home).read('p.example.com');
    expect(p?.dir).toBe(home);
    expect(new ProfileStore(home).read('missing')).toBeUndefined();
  });

  it('read() of a corrupt file names the full path', () => {
    const home = path.join(tmp, 'corrupt');
    fs.mkdirSync(home);
    const f = path.join(home, 'bad.yaml');
    fs.writeFileSync(f, 'web_proxy_addr: [\n');
    const err = thrown(() => new ProfileStore(home).read('bad'));
    expect(err.message).toContain(f);
    expect(err.message.split('\n')).toHaveLength(1);
  });

  it('currentName: missing, empty or whitespace-only current-profile means none', () => {
    const home = path.join(tmp, 'current');
    const store = new ProfileStore(home);
    expect(store.currentName()).toBeUndefined();
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, 'current-profile'), '');
    expect(store.currentName()).toBeUndefined();
    fs.writeFileSync(path.join(home, 'current-profile'), '  \n');
    expect(store.currentName()).toBeUndefined();
    fs.writeFileSync(path.join(home, 'current-profile'), 'a.example.com'); // no newline: still read
    expect(store.currentName()).toBe('a.example.com');
  });

  it('listNames() takes regular *.yaml files only', () => {
    const home = path.join(tmp, 'list');
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, 'b.example.com.yaml'), 'web_proxy_addr: b.example.com:443\n');
    fs.writeFileSync(path.join(home, 'a.example.com.yaml'), 'web_proxy_addr: a.example.com:443\n');
    fs.writeFileSync(path.join(home, 'notes.txt'), 'x');
    fs.writeFileSync(path.join(home, 'c.yml'), 'x');
    fs.writeFileSync(path.join(home, 'current-profile'), 'a.example.com\n');
    fs.mkdirSync(path.join(home, 'dir.yaml'));
    fs.mkdirSync(path.join(home, 'keys'));
    fs.symlinkSync(path.join(home, 'a.example.com.yaml'), path.join(home, 'link.yaml'));
    expect(new ProfileStore(home).listNames()).toEqual(['a.example.com', 'b.example.com']);
    expect(new ProfileStore(path.join(tmp, 'does-not-exist')).listNames()).toEqual([]);
  });

  it('remove() deletes the yaml and tolerates a missing file', () => {
    const home = path.join(tmp, 'remove');
    const store = new ProfileStore(home);
    store.write({
      webProxyAddr: 'r.example.com:443',
      privateKeyPolicy: '',
      pivSlot: '',
      missingClusterDetails: false,
    });
    expect(store.listNames()).toEqual(['r.example.com']);
    store.remove('r.example.com');
    store.remove('r.example.com');
    expect(store.listNames()).toEqual([]);
  });
});

describe('splitHostPort / profileNameFromAddr', () => {
  it.each([
    ['proxy.example.com:443', { host: 'proxy.example.com', port: 443 }, 'proxy.example.com'],
    ['proxy.example.com', { host: 'proxy.example.com' }, 'proxy.example.com'],
    ['127.0.0.1:3080', { host: '127.0.0.1', port: 3080 }, '127.0.0.1'],
    ['[::1]:3080', { host: '::1', port: 3080 }, '::1'],
    ['[::1]', { host: '::1' }, '::1'],
    ['[2001:db8::1]:443', { host: '2001:db8::1', port: 443 }, '2001:db8::1'],
    ['::1', { host: '::1' }, '::1'],
  ])('%s', (addr, split, name) => {
    expect(splitHostPort(addr)).toEqual(split);
    expect(profileNameFromAddr(addr)).toBe(name);
  });
});

// api/profile/profile.go saveToFile is yaml.v2 Marshal of the Profile struct (gopkg.in/yaml.v2
// encode.go stringv: a string that would read back as something else is double-quoted; the emitter
// single-quotes one a plain scalar cannot hold and folds a plain one at the first space past
// column 80). Expected bytes written out by hand from those rules.
describe('encodeProfile quotes and folds as yaml.v2', () => {
  it('quoting, lists, folding and a zero duration', () => {
    const p: Profile = {
      webProxyAddr: '[::1]:3080',
      username: 'alice@example.com',
      siteName: 'true',
      dynamicForwardPorts: ['127.0.0.1:8080', '9090'],
      dir: '/Users/John Smith/Library/Application Support/Teleport Connect/tsh home directory/.tsh/profiles of John',
      authConnector: 'my connector: corp',
      mfaMode: 'auto',
      privateKeyPolicy: 'none',
      pivSlot: '9a',
      missingClusterDetails: false,
      sshDialTimeout: '0s',
      ssoHost: 'idp.example.com',
    };
    const text =
      "web_proxy_addr: '[::1]:3080'\n" +
      'user: alice@example.com\n' +
      'cluster: "true"\n' +
      'dynamic_forward_ports:\n' +
      '- 127.0.0.1:8080\n' +
      '- "9090"\n' +
      'dir: /Users/John Smith/Library/Application Support/Teleport Connect/tsh home directory/.tsh/profiles\n' +
      '  of John\n' +
      "auth_connector: 'my connector: corp'\n" +
      'mfa_mode: auto\n' +
      'private_key_policy: none\n' +
      'piv_slot: 9a\n' +
      'missingclusterdetails: false\n' +
      'sso_host: idp.example.com\n';
    expect(encodeProfile(p)).toBe(text);
    const { sshDialTimeout: _zero, ...rest } = p;
    expect(decodeProfile(text)).toEqual(rest);
  });

  it('a value with a newline is a literal block, read back exactly', () => {
    const p: Profile = { ...full, authConnector: 'two\nlines' };
    expect(encodeProfile(p)).toContain('auth_connector: |-\n  two\n  lines\nload_all_cas: true\n');
    expect(decodeProfile(encodeProfile(p))).toEqual(p);
  });
});

// profileFromFile is yaml.Unmarshal into the struct: a value yaml.v2 cannot set into the field's Go
// type fails the read (tsh errors), YAML 1.1 booleans (yes/on/y…) are booleans, any scalar is a
// string's text, null leaves the zero value, unknown keys are ignored and the last repeat wins.
describe('decodeProfile field types as yaml.v2', () => {
  const file = '/home/alice/.tsh/proxy.example.com.yaml';
  const doc = (line: string) => `web_proxy_addr: proxy.example.com:443\n${line}\n`;

  it.each([
    ['tls_routing_enabled: maybe', 'tls_routing_enabled', 'true or false', '"maybe"'],
    ['tls_routing_enabled: "true"', 'tls_routing_enabled', 'true or false', '"true"'],
    ['missingclusterdetails: 1', 'missingclusterdetails', 'true or false', '"1"'],
    ['user: [alice]', 'user', 'a string', 'a list'],
    ['cluster: {a: b}', 'cluster', 'a string', 'a mapping'],
    ['dynamic_forward_ports: 8080', 'dynamic_forward_ports', 'a list of strings', '"8080"'],
    ['ssh_dial_timeout: soon', 'ssh_dial_timeout', 'a duration such as 30s', '"soon"'],
    ['ssh_dial_timeout: 1.5', 'ssh_dial_timeout', 'a duration such as 30s', '"1.5"'],
  ])('%s → one line naming the file, line and field', (line, key, expected, found) => {
    const err = thrown(() => decodeProfile(doc(line), file));
    expect(err.message).toBe(
      `profile ${file} has an invalid "${key}" on line 2 (must be ${expected}, not ${found}); fix or delete it and run "tshjs login"`,
    );
    expect(err.kind).toBe('bad-parameter');
  });

  it.each([
    ['tls_routing_enabled: yes', { tlsRoutingEnabled: true }],
    ['tls_routing_enabled: On', { tlsRoutingEnabled: true }],
    ['tls_routing_enabled: n', { tlsRoutingEnabled: false }],
    ['tls_routing_enabled: ~', {}],
    ['user: 123', { username: '123' }],
    ['user: 1.50', { username: '1.50' }],
    ['user: true', { username: 'true' }],
    ["user: 'null'", { username: 'null' }],
    ['user: null', {}],
    ['user: !!str 0x10', { username: '0x10' }],
    ['dynamic_forward_ports: []', { dynamicForwardPorts: [] }],
    ['dynamic_forward_ports:', {}],
    ['dynamic_forward_ports: [8080, "9090"]', { dynamicForwardPorts: ['8080', '9090'] }],
    ['ssh_dial_timeout: "1m30s"', { sshDialTimeout: '1m30s' }],
    ['ssh_dial_timeout: 0', { sshDialTimeout: '0s' }],
    ['user: alice\nuser: bob', { username: 'bob' }],
  ])('%s', (line, fields) => {
    expect(decodeProfile(doc(line))).toEqual({
      webProxyAddr: 'proxy.example.com:443',
      privateKeyPolicy: '',
      pivSlot: '',
      missingClusterDetails: false,
      ...fields,
    });
  });

  it('hostile YAML: a one-line error naming the file, no runtime warnings', () => {
    const warn = vi.spyOn(process, 'emitWarning');
    try {
      // 1 KiB of explicit keys took the yaml library 40 s.
      let err = thrown(() => decodeProfile(doc('? '.repeat(500)), file));
      expect(err.message).toBe(
        `profile ${file} is not valid YAML (line 2: explicit ("? ") keys are not supported); fix or delete it and run "tshjs login"`,
      );
      err = thrown(() => decodeProfile(doc('user: !!foo alice'), file));
      expect(err.message).toContain('unsupported YAML tag !!foo');
      expect(err.message).toContain(file);
      // A ReDoS-shaped duration.
      err = thrown(() => decodeProfile(doc(`ssh_dial_timeout: ${'1'.repeat(50_000)}x`), file));
      expect(err.message).toContain('invalid "ssh_dial_timeout" on line 2 (must be a duration');
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('ProfileStore.read refuses a file over 64 KiB without parsing it', () => {
    const home = path.join(tmp, 'huge');
    fs.mkdirSync(home);
    const f = path.join(home, 'big.example.com.yaml');
    fs.writeFileSync(f, `web_proxy_addr: big.example.com:443\nx: ${'y'.repeat(70_000)}\n`);
    const err = thrown(() => new ProfileStore(home).read('big.example.com'));
    expect(err.message).toMatch(/too large for a profile/);
    expect(err.message).toContain(f);
  });
});
