// The headless authentication ID (lib/services/headlessauthn.go NewHeadlessAuthenticationID):
// uuid.NewHash(sha256.New(), uuid.Nil, key, 5) — SHA-256 over the 16 zero bytes of the nil
// namespace and the SSH public key in authorized_keys form (ssh.MarshalAuthorizedKey, with its
// trailing newline, as lib/client/api.go passes it), cut to 16 bytes, version 5 and RFC 4122
// variant bits. The client derives it to print the approval URL; the dev cluster checks it.
import { createHash } from 'node:crypto';

export function headlessAuthenticationId(sshPublicKey: Buffer | string): string {
  const h = createHash('sha256').update(Buffer.alloc(16)).update(sshPublicKey).digest();
  const u = Buffer.from(h.subarray(0, 16));
  u[6] = (u[6] & 0x0f) | 0x50;
  u[8] = (u[8] & 0x3f) | 0x80;
  const x = u.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
