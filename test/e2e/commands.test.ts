// status / logout / env / version / identity files against the dev cluster. Expected bytes follow
// tool/tsh/common/tsh.go (printStatus, serializeProfiles, onEnvironment, onVersion); see
// docs/output-status.md.
import { createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeIdentityFile } from '../../src/auth/identityfile.js';
import { parseSshCertificateLine } from '../../src/auth/ssh/cert.js';
import { parseAuthorizedKey, parseSshPublicKeyBlob } from '../../src/auth/ssh/keys.js';
import { issueUserCerts } from '../../src/devcluster/certs.js';
import { accessInfo } from '../../src/devcluster/rbac.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, startCluster, tempHome, tshjs } from '../helpers/cluster.js';

/** No kubeconfig: tests must not depend on the machine's ~/.kube/config. */
const NO_KUBE = { KUBECONFIG: '/nonexistent/kubeconfig' };

/** A kubeconfig whose current context is kube-1 of the dev cluster, as tsh kube login writes it. */
function kubeconfig(teleportCluster: string, kube: string): string {
  const dir = fs.mkdtempSync(path.join(tempHome(), 'kube-'));
  const file = path.join(dir, 'config');
  const ctx = `${teleportCluster}-${kube}`;
  fs.writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `current-context: ${ctx}`,
      'contexts:',
      `- name: ${ctx}`,
      '  context:',
      `    cluster: ${ctx}`,
      `    user: ${ctx}`,
      '    extensions:',
      '    - name: kubeconfig.teleport.dev/teleport-cluster-name',
      `      extension: ${teleportCluster}`,
      '    - name: teleport.kube.name',
      `      extension: ${kube}`,
      '',
    ].join('\n'),
  );
  return file;
}

/** ValidBefore of an OpenSSH certificate line. */
function parseSshCert(line: string): bigint {
  return parseSshCertificateLine(line.trim()).validBefore;
}

describe('commands', () => {
  let cluster: DevCluster;
  let home: string;
  const keyDir = () => path.join(home, 'keys', '127.0.0.1');

  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster.stop();
  });

  async function freshLogin(user = 'alice', pw = 'alice-pw'): Promise<void> {
    home = tempHome();
    const r = await tshjs(loginArgs(cluster, user), { home, stdin: `${pw}\n` });
    expect(r.code, r.stderr).toBe(0);
  }

  it('status when not logged in', async () => {
    const r = await tshjs(['status'], { home: tempHome() });
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'ERROR: Not logged in.\n' });
  });

  it('status text and yaml', async () => {
    await freshLogin();
    const t = await tshjs(['status'], { home, env: NO_KUBE });
    expect(t.code).toBe(0);
    expect(t.stdout.split('\n').slice(0, 7)).toEqual([
      `> Profile URL:        https://${cluster.proxyAddr}`,
      '  Logged in as:       alice',
      '  Cluster:            test.localhost',
      '  Roles:              access',
      '  Logins:             alice, root',
      '  Kubernetes:         enabled',
      expect.stringMatching(/^ {2}Valid until: {8}/),
    ]);
    expect(t.stdout).toContain(
      '  Extensions:         login-ip, permit-agent-forwarding, permit-port-forwarding, permit-pty, private-key-policy\n\n',
    );
    // Valid until is the SSH certificate's expiry (lib/client/profile.go), in the JSON as RFC 3339.
    const j = JSON.parse((await tshjs(['status', '-f', 'json'], { home, env: NO_KUBE })).stdout);
    const validUntil: string = j.active.valid_until;
    const sshCert = fs.readFileSync(path.join(keyDir(), 'alice-ssh', 'test.localhost-cert.pub'), 'utf8');
    expect(Date.parse(validUntil) / 1000).toBe(Number(parseSshCert(sshCert)));
    // ghodss/yaml: sorted keys, the timestamp quoted, then fmt.Println's blank line. KUBECONFIG is
    // set, so "environment" is there without -v (getTshEnv).
    const y = await tshjs(['status', '-f', 'yaml'], { home, env: NO_KUBE });
    expect(y.stdout).toBe(
      [
        'active:',
        '  cluster: test.localhost',
        '  extensions:',
        '  - login-ip',
        '  - permit-agent-forwarding',
        '  - permit-port-forwarding',
        '  - permit-pty',
        '  - private-key-policy',
        '  kubernetes_enabled: true',
        '  logins:',
        '  - alice',
        '  - root',
        `  profile_url: https://${cluster.proxyAddr}`,
        '  roles:',
        '  - access',
        '  traits:',
        '    logins:',
        '    - alice',
        '  username: alice',
        `  valid_until: "${validUntil}"`,
        'environment:',
        `  KUBECONFIG: ${NO_KUBE.KUBECONFIG}`,
        'profiles: []',
        '',
        '',
      ].join('\n'),
    );
    // No status variable set: no "environment" at all.
    const bare = await tshjs(['status', '-f', 'json'], { home });
    expect(Object.keys(JSON.parse(bare.stdout))).toEqual(['active', 'profiles']);
    expect(bare.stdout.endsWith('}\n')).toBe(true);
  });

  it('status --format json carries the environment whenever a status variable is set', async () => {
    const r = await tshjs(['status', '-f', 'json'], {
      home,
      env: { ...NO_KUBE, TELEPORT_CLUSTER: 'leaf.example', TELEPORT_USER: 'ignored' },
    });
    const doc = JSON.parse(r.stdout);
    expect(doc.environment).toEqual({ KUBECONFIG: NO_KUBE.KUBECONFIG, TELEPORT_CLUSTER: 'leaf.example' });
    expect(doc.active.cluster).toBe('leaf.example');
    // Text: only with -v, after the profiles.
    const v = await tshjs(['status', '-v'], { home, env: { ...NO_KUBE, TELEPORT_CLUSTER: 'leaf.example' } });
    expect(v.stdout).toMatch(
      /\n\nActive Environment:\n\tTELEPORT_CLUSTER=leaf\.example\n\tKUBECONFIG=\/nonexistent\/kubeconfig\n$/,
    );
  });

  it('status: Kubernetes cluster from kubeconfig, or TELEPORT_KUBE_CLUSTER marked as such', async () => {
    const kc = kubeconfig('test.localhost', 'kube-1');
    const r = await tshjs(['status'], { home, env: { KUBECONFIG: kc } });
    expect(r.stdout).toContain('  Kubernetes:         enabled\n  Kubernetes cluster: "kube-1"\n');
    const e = await tshjs(['status'], { home, env: { KUBECONFIG: kc, TELEPORT_KUBE_CLUSTER: 'kube-2' } });
    expect(e.stdout).toContain('  Kubernetes cluster: "kube-2 (TELEPORT_KUBE_CLUSTER)"\n');
    const j = JSON.parse((await tshjs(['status', '-f', 'json'], { home, env: { KUBECONFIG: kc } })).stdout);
    expect(j.active.kubernetes_cluster).toBe('kube-1');
    // A context of another Teleport cluster is not selected.
    const other = await tshjs(['status'], {
      home,
      env: { KUBECONFIG: kubeconfig('other.example', 'kube-1') },
    });
    expect(other.stdout).not.toContain('Kubernetes cluster');
  });

  it('status marks env overrides as tsh does', async () => {
    const r = await tshjs(['status'], { home, env: { TELEPORT_CLUSTER: 'leaf.example' } });
    expect(r.stdout).toContain('  Cluster:            leaf.example (TELEPORT_CLUSTER)\n');
  });

  it('env prints exports, --unset prints unsets, json/yaml are the sorted map', async () => {
    const r = await tshjs(['env'], { home, env: NO_KUBE });
    expect(r.stdout).toBe(
      `export TELEPORT_PROXY=${cluster.proxyAddr}\nexport TELEPORT_CLUSTER=test.localhost\n`,
    );
    const u = await tshjs(['env', '--unset'], { home });
    expect(u.stdout).toBe(
      'unset TELEPORT_PROXY\nunset TELEPORT_CLUSTER\nunset TELEPORT_KUBE_CLUSTER\nunset KUBECONFIG\n',
    );
    // serializeEnvironment: a Go map, so the keys are sorted; fmt.Println adds the last newline.
    const j = await tshjs(['env', '-f', 'json'], { home, env: NO_KUBE });
    expect(j.stdout).toBe(
      `{\n  "TELEPORT_CLUSTER": "test.localhost",\n  "TELEPORT_PROXY": "${cluster.proxyAddr}"\n}\n`,
    );
    const y = await tshjs(['env', '-f', 'yaml'], { home, env: NO_KUBE });
    expect(y.stdout).toBe(`TELEPORT_CLUSTER: test.localhost\nTELEPORT_PROXY: ${cluster.proxyAddr}\n\n`);
    // The profile as stored: TELEPORT_CLUSTER does not change what env prints.
    const shadowed = await tshjs(['env'], { home, env: { ...NO_KUBE, TELEPORT_CLUSTER: 'leaf.example' } });
    expect(shadowed.stdout).toContain('export TELEPORT_CLUSTER=test.localhost\n');
  });

  it('env with a selected Kubernetes cluster exports it and its standalone kubeconfig', async () => {
    const kc = kubeconfig('test.localhost', 'kube-1');
    const kubePath = path.join(keyDir(), 'alice-kube', 'test.localhost', 'kube-1-kubeconfig');
    const r = await tshjs(['env'], { home, env: { KUBECONFIG: kc } });
    expect(r.stdout).toBe(
      `export TELEPORT_PROXY=${cluster.proxyAddr}\n` +
        'export TELEPORT_CLUSTER=test.localhost\n' +
        'export TELEPORT_KUBE_CLUSTER=kube-1\n' +
        '# set KUBECONFIG to a standalone kubeconfig for the selected kube cluster\n' +
        `export KUBECONFIG=${kubePath}\n`,
    );
    const y = await tshjs(['env', '-f', 'yaml'], { home, env: { KUBECONFIG: kc } });
    expect(y.stdout).toBe(
      `KUBECONFIG: ${kubePath}\n` +
        'TELEPORT_CLUSTER: test.localhost\n' +
        'TELEPORT_KUBE_CLUSTER: kube-1\n' +
        `TELEPORT_PROXY: ${cluster.proxyAddr}\n\n`,
    );
  });

  it('version text, json and yaml, with the proxy version when logged in', async () => {
    const c = await tshjs(['version', '--client'], { home });
    expect(c.stdout).toMatch(/^Teleport v\d+\.\d+\.\d+ git:tshjs-v\S+ node\S+\n$/);
    const line = c.stdout;
    const j = await tshjs(['version', '-f', 'json', '--insecure'], { home });
    const doc = JSON.parse(j.stdout);
    expect(Object.keys(doc)).toEqual(['version', 'gitref', 'runtime', 'proxyVersion', 'proxyPublicAddress']);
    expect(doc.proxyVersion).toBe('18.2.0');
    expect(j.stdout.endsWith('"\n}\n')).toBe(true);
    // serializeVersion through ghodss/yaml: keys sorted (yaml.v2), then fmt.Println's blank line.
    const y = await tshjs(['version', '-f', 'yaml', '--insecure'], { home });
    expect(y.stdout).toBe(
      `gitref: ${doc.gitref}\nproxyPublicAddress: ${doc.proxyPublicAddress}\nproxyVersion: 18.2.0\n` +
        `runtime: ${doc.runtime}\nversion: ${doc.version}\n\n`,
    );
    const t = await tshjs(['version', '--insecure'], { home });
    expect(t.stdout).toBe(`${line}Proxy version: 18.2.0\nProxy: ${doc.proxyPublicAddress}\n`);
    // No proxy version (the ping failed): no proxy lines, no proxy keys.
    const noTrust = await tshjs(['version'], { home });
    expect(noTrust.code).toBe(0);
    expect(noTrust.stderr).toMatch(/^Failed to fetch proxy version: /);
    expect(noTrust.stdout).toBe(line);
    const noTrustYaml = await tshjs(['version', '-f', 'yaml'], { home });
    expect(noTrustYaml.stdout).toBe(
      `gitref: ${doc.gitref}\nruntime: ${doc.runtime}\nversion: ${doc.version}\n\n`,
    );
  });

  it('login while logged in as the same user prints the status without a new login', async () => {
    await freshLogin();
    const keyFile = path.join(keyDir(), 'alice.crt');
    const before = fs.readFileSync(keyFile, 'utf8');
    // No password on stdin: a new login would fail to read one.
    const r = await tshjs(loginArgs(cluster, 'alice'), { home, stdin: '', env: NO_KUBE });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `> Profile URL:        https://${cluster.proxyAddr}\n  Logged in as:       alice\n`,
    );
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(before);
    // Another user logs in afresh.
    const bob = await tshjs(loginArgs(cluster, 'bob'), { home, stdin: '', env: NO_KUBE });
    expect(bob.code).not.toBe(0);
  });

  it('logs in again to a second proxy; status lists both, active first', async () => {
    const c2 = await startCluster({ cluster_name: 'second.localhost' });
    const addr2 = c2.proxyAddr.replace('127.0.0.1', 'localhost');
    const r = await tshjs(['login', `--proxy=${addr2}`, '--user=alice', '--insecure'], {
      home,
      stdin: 'alice-pw\n',
    });
    await c2.stop();
    expect(r.code, r.stderr).toBe(0);
    const s = await tshjs(['status', '-f', 'json'], { home });
    const doc = JSON.parse(s.stdout);
    expect(doc.active.cluster).toBe('second.localhost');
    expect(doc.profiles.map((p: { cluster: string }) => p.cluster)).toEqual(['test.localhost']);
    const text = await tshjs(['status'], { home });
    expect(text.stdout.indexOf('> Profile URL:')).toBe(0);
    expect(text.stdout).toContain(`\n  Profile URL:        https://${cluster.proxyAddr}\n`);
    // Selecting the other profile with --proxy.
    const sel = await tshjs(['status', '-f', 'json', `--proxy=${cluster.proxyAddr}`], { home });
    expect(JSON.parse(sel.stdout).active.cluster).toBe('test.localhost');
  });

  it('logout cases and messages', async () => {
    await freshLogin();
    const onlyUser = await tshjs(['logout', '--user=alice'], { home });
    expect(onlyUser.stdout).toBe(
      'Specify --proxy to log out user "alice" from a specific proxy or remove the --user flag to log out all users from all proxies.\n',
    );
    const one = await tshjs(['logout', `--proxy=${cluster.proxyAddr}`, '--user=alice'], { home });
    expect(one).toEqual({ code: 0, stdout: 'Logged out alice from 127.0.0.1.\n', stderr: '' });
    for (const f of ['alice', 'alice.pub', 'alice.key', 'alice.crt', 'alice-ssh']) {
      expect(fs.existsSync(path.join(keyDir(), f)), f).toBe(false);
    }
    expect(fs.existsSync(path.join(home, '127.0.0.1.yaml'))).toBe(false);
    const again = await tshjs(['logout', `--proxy=${cluster.proxyAddr}`, '--user=alice'], { home });
    expect(again).toEqual({ code: 1, stdout: 'User alice already logged out from 127.0.0.1.\n', stderr: '' });
    const all = await tshjs(['logout'], { home: tempHome() });
    expect(all.stdout).toBe('All users logged out.\n');
  });

  it('logout --proxy without --user picks the only user there', async () => {
    await freshLogin();
    const r = await tshjs(['logout', `--proxy=${cluster.proxyAddr}`], { home });
    expect(r.stdout).toBe('Logged out alice from 127.0.0.1.\n');
  });

  it('an expired certificate: status prints it, then fails', async () => {
    await freshLogin();
    const user = cluster.config.users.find((u) => u.name === 'alice')!;
    const tlsKey = createPublicKey(fs.readFileSync(path.join(keyDir(), 'alice.key')));
    const sshKey = parseSshPublicKeyBlob(
      parseAuthorizedKey(fs.readFileSync(path.join(keyDir(), 'alice.pub'), 'utf8')).blob,
    ).key;
    const old = await issueUserCerts(cluster.authority, {
      username: 'alice',
      access: accessInfo(cluster.config, user),
      tlsPublicKey: tlsKey,
      sshPublicKey: sshKey,
      ttlMs: 3600_000,
      now: new Date(Date.now() - 7200_000),
    });
    fs.writeFileSync(path.join(keyDir(), 'alice.crt'), old.tls!);
    fs.writeFileSync(path.join(keyDir(), 'alice-ssh/test.localhost-cert.pub'), old.ssh!);
    const r = await tshjs(['status'], { home });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[EXPIRED]');
    expect(r.stderr).toBe('ERROR: Active profile expired.\n');
  });

  it('a corrupt profile YAML is one clear error', async () => {
    await freshLogin();
    fs.writeFileSync(path.join(home, '127.0.0.1.yaml'), 'web_proxy_addr: [unclosed\n');
    const r = await tshjs(['status'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^ERROR: profile \S+127\.0\.0\.1\.yaml is not valid YAML .*run "tshjs login"\n$/,
    );
  });

  it('a truncated certificate is one clear error', async () => {
    await freshLogin();
    const crt = path.join(keyDir(), 'alice.crt');
    fs.writeFileSync(crt, fs.readFileSync(crt, 'utf8').slice(0, 200));
    fs.rmSync(path.join(keyDir(), 'alice-ssh'), { recursive: true });
    const r = await tshjs(['status'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^ERROR: TLS certificate for profile 127\.0\.0\.1 is corrupt .*run "tshjs login"\n$/,
    );
  });

  it('a legacy (v16) key layout asks for a new login', async () => {
    await freshLogin();
    fs.renameSync(path.join(keyDir(), 'alice.crt'), path.join(keyDir(), 'alice-x509.pem'));
    fs.rmSync(path.join(keyDir(), 'alice-ssh'), { recursive: true });
    const r = await tshjs(['status'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/legacy key layout .*run "tshjs login" again/);
  });

  it('login --out writes an identity file and no profile; -i status reads it', async () => {
    const h = tempHome();
    const out = path.join(h, 'identity.pem');
    const r = await tshjs([...loginArgs(cluster, 'alice'), '--out', out], { home: h, stdin: 'alice-pw\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`\nThe certificate has been written to ${out}\n`);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(h)).toEqual(['identity.pem']);
    const id = decodeIdentityFile(fs.readFileSync(out, 'utf8'));
    expect(id.sshCert).toMatch(/-cert-v01@openssh\.com /);
    expect(id.knownHosts[0]).toMatch(/^@cert-authority 127\.0\.0\.1,test\.localhost,\*\.test\.localhost /);
    expect(id.tlsCAs).toHaveLength(1);
    const s = await tshjs(['-i', out, 'status', '-f', 'json', `--proxy=${cluster.proxyAddr}`], { home: h });
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).active.username).toBe('alice');
    const env = await tshjs(['status'], { home: h, env: { TELEPORT_IDENTITY_FILE: out } });
    expect(env.stdout).toContain('Logged in as:       alice');
  });
});
