import { it } from 'vitest';
import * as fs from 'node:fs';
import { decodeIdentityFile, encodeIdentityFile } from '../../src/auth/identityfile.js';
import { parseSshCertificateLine, teleportCertFields } from '../../src/auth/ssh/cert.js';
import { decodeTlsIdentity } from '../../src/auth/x509/identity.js';
it('x', () => {
  for (const f of ['identity-key-cert-ca.pem', 'identity-tls.pem']) {
    const t = fs.readFileSync('/work/shared/fixtures/upstream-teleport/' + f, 'utf8');
    const id = decodeIdentityFile(t);
    console.log(f, encodeIdentityFile(id) === t, id.knownHosts.map(l=>l.slice(0,60)), id.tlsCAs.length, !!id.tlsCert);
    const c = parseSshCertificateLine(id.sshCert!);
    console.log(c.keyId, c.validPrincipals, c.validAfter, c.validBefore, c.extensions, c.criticalOptions, c.certType, c.serial, c.keyType);
    console.log(teleportCertFields(c));
    if (id.tlsCert) { const ti = decodeTlsIdentity(id.tlsCert); console.log(ti); }
  }
});
