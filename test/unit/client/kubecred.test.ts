import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeKubeCred, encodeKubeCred, parseKubeCred } from '../../../src/client/kubecerts.js';
import { certUsable, execCredentialJson } from '../../../src/client/kubecred.js';
import { cachedKubeCredentials } from '../../../src/client/kubecredfast.js';

describe('kube .cred files and ExecCredential', () => {
  it('encodes key, one blank line, certificate (lib/client keystore.go) and reads it back', () => {
    const text = encodeKubeCred('KEY\n\n', '\nCERT\n');
    expect(text).toBe('KEY\n\nCERT\n');
    expect(decodeKubeCred(text)).toEqual({ keyPem: 'KEY\n', certPem: 'CERT\n' });
    expect(decodeKubeCred('A\n\nB\n\nC')).toBeUndefined();
    expect(parseKubeCred('KEY\n\nnot a cert')).toBeUndefined();
  });

  it('prints one JSON line in upstream key order, expiring a minute early', () => {
    const expires = new Date('2030-01-01T12:00:00.500Z');
    const out = execCredentialJson({ certPem: 'C', keyPem: 'K', expires }, new Date('2030-01-01T00:00:00Z'));
    expect(out).toBe(
      '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false},' +
        '"status":{"expirationTimestamp":"2030-01-01T11:59:00Z","clientCertificateData":"C","clientKeyData":"K"}}\n',
    );
    expect(certUsable({ expires }, new Date('2030-01-01T11:59:00Z'))).toBe(true);
    expect(certUsable({ expires }, new Date('2030-01-01T11:59:01Z'))).toBe(false);
  });

  it('the fast path declines what it does not know', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kubecred-'));
    const env = { TELEPORT_HOME: home };
    expect(cachedKubeCredentials(['kube', 'ls'], env)).toBeUndefined();
    expect(cachedKubeCredentials(['kube', 'credentials', '--kube-cluster=k'], env)).toBeUndefined();
    expect(
      cachedKubeCredentials(['kube', 'credentials', '--kube-cluster=k', '--teleport-cluster=c', '-d'], env),
    ).toBeUndefined();
    expect(
      cachedKubeCredentials(['kube', 'credentials', '--kube-cluster=../k', '--teleport-cluster=c'], env),
    ).toBeUndefined();
    // No profile: the full command handles it (and explains).
    expect(
      cachedKubeCredentials(['kube', 'credentials', '--kube-cluster=k', '--teleport-cluster=c'], env),
    ).toBeUndefined();
  });
});
