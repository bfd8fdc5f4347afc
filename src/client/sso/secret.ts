// The secret key that protects the SSO console response (lib/secret): 32 random bytes, written as
// lowercase hex in the callback URL; the proxy seals the login response with AES-256-GCM under it
// (12-byte random nonce, no AAD) as the JSON {"ciphertext": base64, "nonce": base64}.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const KEY_BYTES = 32;
const TAG_BYTES = 16;

export class SecretKey {
  private constructor(private readonly key: Buffer) {}

  static generate(): SecretKey {
    return new SecretKey(randomBytes(KEY_BYTES));
  }

  /** Parses the hex form; anything but 32 bytes of hex is refused. */
  static parse(hex: string): SecretKey {
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error('secret key must be 64 hex digits');
    return new SecretKey(Buffer.from(hex, 'hex'));
  }

  toString(): string {
    return this.key.toString('hex');
  }

  /** The sealed JSON text for plaintext (the proxy's side; here for tests and symmetry). */
  seal(plaintext: Buffer | string): string {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
    return JSON.stringify({ ciphertext: body.toString('base64'), nonce: nonce.toString('base64') });
  }

  /** Authenticates and decrypts a sealed JSON text; throws on any tampering or a wrong key. */
  open(sealed: string): Buffer {
    const v = JSON.parse(sealed) as { ciphertext?: unknown; nonce?: unknown };
    if (typeof v?.ciphertext !== 'string' || typeof v.nonce !== 'string')
      throw new Error('sealed data needs ciphertext and nonce');
    const body = Buffer.from(v.ciphertext, 'base64');
    const nonce = Buffer.from(v.nonce, 'base64');
    if (nonce.length !== 12 || body.length < TAG_BYTES) throw new Error('sealed data is too short');
    const d = createDecipheriv('aes-256-gcm', this.key, nonce);
    d.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([d.update(body.subarray(0, body.length - TAG_BYTES)), d.final()]);
  }
}
