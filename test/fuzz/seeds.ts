// Valid encodings to mutate, built with the project's own encoders: SSH keys and certificates
// of every supported type, and a Teleport TLS identity issued by the dev cluster's CA code.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { marshalCertificateLine, signSshCertificate } from '../../src/auth/ssh/cert.js';
import { marshalKnownHostCA } from '../../src/auth/ssh/knownhosts.js';
import { marshalAuthorizedKey, marshalSshPrivateKey, sshPublicKeyBlob } from '../../src/auth/ssh/keys.js';
import { marshalTLSPrivateKey } from '../../src/auth/keygen.js';
import { createTlsCa, issueTlsCert } from '../../src/devcluster/tlsca.js';

export const sshKeys: Record<string, KeyObject> = {
  ed25519: generateKeyPairSync('ed25519').privateKey,
  p256: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  p384: generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
  p521: generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey,
  rsa: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
};
const keys = Object.values(sshKeys);
export const caKey = sshKeys.ed25519!;

export const publicKeyBlobs = keys.map((k) => sshPublicKeyBlob(k));
export const authorizedKeyLines = keys.map((k, i) => `${marshalAuthorizedKey(k).trimEnd()} user${i}@host`);
export const privateKeyPems = keys.map((k) => marshalSshPrivateKey(k));

const NOW = BigInt(Math.floor(Date.now() / 1000));

export const certBlobs = keys.map((k, i) =>
  signSshCertificate({
    publicKey: k,
    caKey: keys[(i + 1) % keys.length]!,
    certType: i % 2 === 0 ? 1 : 2,
    serial: BigInt(i),
    keyId: 'alice',
    principals: ['alice', 'root', 'node.example.com'],
    validAfter: NOW - 60n,
    validBefore: i === 0 ? 0xffffffffffffffffn : NOW + 3600n,
    criticalOptions: i === 1 ? { 'source-address': '10.0.0.0/8' } : {},
    extensions: {
      'teleport-roles': '{"version":"v1","roles":["access","editor"]}',
      'teleport-traits': '{"logins":["root"],"x":null}',
      'teleport-active-requests': '{"access_requests":["r1"]}',
      'teleport-route-to-cluster': 'leaf',
      'permit-pty': '',
      'permit-port-forwarding': '',
    },
  }),
);
export const certLines = certBlobs.map((b) => marshalCertificateLine(b).trimEnd());
export const knownHostsLines = keys.map((k) =>
  marshalKnownHostCA('proxy.example.com:3080', 'example.com', sshPublicKeyBlob(k)).trimEnd(),
);

/** A Teleport user TLS certificate (PEM) and its CA, from the dev cluster's issuing code. */
export async function tlsSeeds(): Promise<{
  certPem: string;
  caPem: string;
  keyPem: string;
  key: KeyObject;
}> {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caPem = await createTlsCa({ clusterName: 'root.example', key: ca });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certPem = await issueTlsCert({
    caCertPem: caPem,
    caKey: ca.privateKey,
    publicKey: leaf.publicKey,
    identity: {
      username: 'alice',
      groups: ['access', 'editor'],
      principals: ['root', 'alice'],
      routeToCluster: 'leaf.example',
      traits: { logins: ['root'], note: ['ünïcode'] },
      kubernetesUsers: ['ku'],
      teleportCluster: 'root.example',
      renewable: true,
      generation: 3,
      loginIp: '10.0.0.1',
      activeRequests: ['req-1'],
      previousIdentityExpires: new Date(Date.now() + 7200_000),
      routeToApp: {
        name: 'grafana',
        sessionId: 's1',
        publicAddr: 'g.example',
        clusterName: 'root.example',
        awsRoleArn: '',
        azureIdentity: '',
        gcpServiceAccount: '',
      },
      routeToDatabase: {
        serviceName: 'pg',
        protocol: 'postgres',
        username: 'u',
        database: 'd',
        roles: ['r'],
      },
      deviceExtensions: { deviceId: 'dev1' },
      allowedResourceIds: '[{"cluster":"c","kind":"node","name":"n"}]',
    },
    notAfter: new Date(Date.now() + 3600_000),
    dnsNames: ['alice.example'],
  });
  return { certPem, caPem, keyPem: marshalTLSPrivateKey(leaf.privateKey), key: leaf.privateKey };
}
