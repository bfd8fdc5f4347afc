// The exec plugin's fast path reads notAfter from the certificate's DER itself and the profile's
// two plain lines itself: both must agree with the full path (X509Certificate, ProfileStore), and
// anything it does not read plainly must fall through (undefined) to the full command.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { certNotAfter } from '../../../src/client/kubecertexpiry.js';
import { encodeKubeCred, parseKubeCred } from '../../../src/client/kubecerts.js';
import { execCredentialJson } from '../../../src/client/kubecred.js';
import { cachedKubeCredentials, profileValue, proxyHost } from '../../../src/client/kubecredfast.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kubecredfast-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A self-signed certificate from openssl, valid for `days` (past 2049: GeneralizedTime). */
function opensslCert(days: number, keyType = 'ec'): { certPem: string; keyPem: string } {
  const key = path.join(work, `k-${days}-${keyType}.pem`);
  const crt = path.join(work, `c-${days}-${keyType}.pem`);
  const keyArgs =
    keyType === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  execFileSync('openssl', [
    'req',
    '-x509',
    ...keyArgs,
    '-nodes',
    '-keyout',
    key,
    '-out',
    crt,
    '-days',
    String(days),
    '-subj',
    '/CN=alice/O=kube-dev',
  ]);
  return { certPem: fs.readFileSync(crt, 'utf8'), keyPem: fs.readFileSync(key, 'utf8') };
}

describe('certNotAfter', () => {
  it.each([
    [1, 'ec'],
    [365, 'rsa'],
    [30_000, 'ec'],
  ])('matches X509Certificate.validTo (%i days, %s)', (days, type) => {
    const { certPem } = opensslCert(days, type);
    expect(certNotAfter(certPem)?.getTime()).toBe(new Date(new X509Certificate(certPem).validTo).getTime());
  });

  it('declines what is not a certificate', () => {
    expect(certNotAfter('nothing')).toBeUndefined();
    expect(certNotAfter('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toBeUndefined();
    const { certPem } = opensslCert(1);
    const der = Buffer.from(certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const cut = `-----BEGIN CERTIFICATE-----\n${der.subarray(0, 60).toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(certNotAfter(cut)).toBeUndefined();
  });
});

describe('profile lines and proxy hosts', () => {
  it('reads plain top-level values only', () => {
    const y = 'web_proxy_addr: proxy.example.com:443\nuser: alice@example.com\nname_user: x\n';
    expect(profileValue(y, 'web_proxy_addr')).toBe('proxy.example.com:443');
    expect(profileValue(y, 'user')).toBe('alice@example.com');
    expect(profileValue('user: "odd user"\n', 'user')).toBeUndefined();
    expect(profileValue('  user: nested\n', 'user')).toBeUndefined();
  });

  it('names the profile after the proxy host, as normalizeProxyAddr + profileNameFromAddr', () => {
    expect(proxyHost('https://proxy.example.com:3080/')).toBe('proxy.example.com');
    expect(proxyHost('127.0.0.1')).toBe('127.0.0.1');
    expect(proxyHost('[::1]:3080')).toBe('::1');
    expect(proxyHost('bad host')).toBeUndefined();
  });
});

describe('cachedKubeCredentials', () => {
  const home = path.join(work, 'tsh');
  const credDir = path.join(home, 'keys', 'proxy.example.com', 'alice-kube', 'root.example.com');
  const { certPem, keyPem } = opensslCert(1);
  fs.mkdirSync(credDir, { recursive: true });
  fs.writeFileSync(
    path.join(home, 'proxy.example.com.yaml'),
    'web_proxy_addr: proxy.example.com:443\nuser: alice\ncluster: root.example.com\n',
  );
  fs.writeFileSync(path.join(home, 'current-profile'), 'proxy.example.com\n');
  const cred = encodeKubeCred(keyPem, certPem);
  fs.writeFileSync(path.join(credDir, 'dev-kube.cred'), cred);
  const args = ['kube', 'credentials', '--kube-cluster=dev-kube', '--teleport-cluster=root.example.com'];
  const now = new Date();

  it('prints what the full path prints, with and without --proxy', () => {
    const want = execCredentialJson(parseKubeCred(cred)!, now);
    expect(cachedKubeCredentials(args, { TELEPORT_HOME: home }, now)).toBe(want);
    expect(
      cachedKubeCredentials([...args, '--proxy', 'proxy.example.com:443'], { TELEPORT_HOME: home }, now),
    ).toBe(want);
  });

  it('falls through for an expiring certificate, an unknown proxy, or a quoted user', () => {
    const later = new Date(parseKubeCred(cred)!.expires.getTime() - 30_000);
    expect(cachedKubeCredentials(args, { TELEPORT_HOME: home }, later)).toBeUndefined();
    expect(
      cachedKubeCredentials([...args, '--proxy=other:3080'], { TELEPORT_HOME: home }, now),
    ).toBeUndefined();
    const odd = path.join(work, 'odd');
    fs.cpSync(home, odd, { recursive: true });
    fs.writeFileSync(
      path.join(odd, 'proxy.example.com.yaml'),
      'web_proxy_addr: proxy.example.com:443\nuser: "alice"\n',
    );
    expect(cachedKubeCredentials(args, { TELEPORT_HOME: odd }, now)).toBeUndefined();
  });
});
