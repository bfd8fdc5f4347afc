// WebAuthn devices registered in the dev cluster's config (docs/webauthn.md): per user, a list of
// `webauthn_devices: [{name, credential_id, public_key, resident_key?}]`, and the cluster's
// `webauthn: {rp_id}`. A hermetic CI writes a software key and its public half into the config; no
// registration ceremony is needed (upstream enrols with `tsh mfa add` / AddMFADeviceSync).
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { ConfigError, type DevClusterConfig, type UserConfig } from '../config.js';

export interface WebauthnDeviceConfig {
  name: string;
  /** base64url (RawURLEncoding) of the raw credential ID. */
  credential_id: string;
  /** PEM SubjectPublicKeyInfo of the credential's P-256 key (ES256). */
  public_key: string;
  /** A discoverable credential the user can log in with passwordless. */
  resident_key?: boolean;
}

export interface WebauthnConfig {
  /** Relying Party ID; unset: the host of the proxy's public address. */
  rp_id?: string;
}

/** A parsed device, ready for verification. */
export interface WebauthnDevice {
  name: string;
  credentialId: Buffer;
  publicKey: KeyObject;
  /** COSE_Key form of publicKey (what @simplewebauthn/server verifies with). */
  cose: Uint8Array;
  residentKey: boolean;
}

export function b64url(b: Uint8Array): string {
  return Buffer.from(b).toString('base64url');
}

/** Decodes base64url or standard base64 (padding optional). */
export function fromB64(s: string): Buffer {
  return Buffer.from(s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), 'base64url');
}

/** Parses `webauthn_devices` of one user; errors name the user and device. */
export function parseWebauthnDevices(raw: unknown, user: string): WebauthnDeviceConfig[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new ConfigError(`config: user ${user}: webauthn_devices must be a list`);
  const names = new Set<string>();
  return raw.map((d: unknown, i) => {
    const where = `config: user ${user}: webauthn_devices[${i}]`;
    if (!d || typeof d !== 'object') throw new ConfigError(`${where} must be a mapping`);
    const o = d as Record<string, unknown>;
    const name = typeof o.name === 'string' && o.name ? o.name : `webauthn-${i + 1}`;
    if (names.has(name)) throw new ConfigError(`${where}: duplicate device name "${name}"`);
    names.add(name);
    if (typeof o.credential_id !== 'string' || !fromB64(o.credential_id).length)
      throw new ConfigError(`${where}: credential_id must be the base64url credential ID`);
    if (typeof o.public_key !== 'string')
      throw new ConfigError(`${where}: public_key must be a PEM public key`);
    const dev: WebauthnDeviceConfig = {
      name,
      credential_id: o.credential_id,
      public_key: o.public_key,
      resident_key: o.resident_key === true,
    };
    try {
      toDevice(dev);
    } catch (err) {
      throw new ConfigError(`${where}: ${(err as Error).message}`);
    }
    return dev;
  });
}

export function parseWebauthnConfig(raw: unknown): WebauthnConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError('config: webauthn must be a mapping such as {rp_id: localhost}');
  const rp = (raw as Record<string, unknown>).rp_id;
  if (rp !== undefined && (typeof rp !== 'string' || !rp))
    throw new ConfigError('config: webauthn.rp_id must be a host name');
  return { rp_id: rp as string | undefined };
}

const parsed = new WeakMap<WebauthnDeviceConfig, WebauthnDevice>();

export function toDevice(d: WebauthnDeviceConfig): WebauthnDevice {
  const hit = parsed.get(d);
  if (hit) return hit;
  const key = createPublicKey(d.public_key);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new Error('public_key must be a P-256 (ES256) key');
  const dev: WebauthnDevice = {
    name: d.name,
    credentialId: fromB64(d.credential_id),
    publicKey: key,
    cose: coseEc2(key),
    residentKey: d.resident_key === true,
  };
  parsed.set(d, dev);
  return dev;
}

/** The user's WebAuthn user handle (upstream: a random WebauthnLocalAuth.UserID; here derived from the name). */
export function webauthnUserHandle(user: string): Buffer {
  return createHash('sha256').update(`tshjs-webauthn-user:${user}`).digest().subarray(0, 16);
}

/** A stable device ID (the MFADevice UUID upstream) for certificates' mfa-verified. */
export function webauthnDeviceId(user: string, dev: { credentialId: Buffer }): string {
  const h = createHash('sha256').update(`webauthn-device:${user}:`).update(dev.credentialId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** COSE_Key (RFC 9053) for an EC2 P-256 key: {1: 2, 3: -7, -1: 1, -2: x, -3: y}, CBOR-encoded. */
function coseEc2(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  const bstr32 = (b: Buffer) => Buffer.concat([Buffer.from([0x58, 32]), b]);
  return Buffer.concat([
    Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21]),
    bstr32(x),
    Buffer.from([0x22]),
    bstr32(y),
  ]);
}

/** The user's registered devices (read through a widened type: config.ts declares the field). */
export function devicesOf(user: UserConfig): WebauthnDeviceConfig[] {
  const v = (user as { webauthn_devices?: unknown }).webauthn_devices;
  return Array.isArray(v) ? (v as WebauthnDeviceConfig[]) : [];
}

export function webauthnConfigOf(cfg: DevClusterConfig): WebauthnConfig | undefined {
  return (cfg as { webauthn?: WebauthnConfig }).webauthn;
}

/** second_factor as a string: config.ts's type gains "webauthn" with this feature. */
export function secondFactorOf(cfg: DevClusterConfig): string {
  return String(cfg.second_factor);
}
