// The cluster's one Relying Party, shared by the proxy's web API (login) and the Auth service
// (per-session MFA), and what the cluster's second_factor allows.
import type { DevClusterConfig, UserConfig } from '../config.js';
import { devicesOf, secondFactorOf, webauthnConfigOf } from './devices.js';
import { RelyingParty } from './rp.js';

const parties = new WeakMap<DevClusterConfig, RelyingParty>();
const rpHosts = new WeakMap<DevClusterConfig, () => string>();

/** Called by the proxy: the RP ID defaults to the host of its public address. */
export function setPublicAddr(cfg: DevClusterConfig, publicAddr: () => string): void {
  rpHosts.set(cfg, publicAddr);
}

export function relyingParty(cfg: DevClusterConfig): RelyingParty {
  let rp = parties.get(cfg);
  if (!rp) {
    rp = new RelyingParty(() => rpId(cfg));
    parties.set(cfg, rp);
  }
  return rp;
}

export function rpId(cfg: DevClusterConfig): string {
  const rp = webauthnConfigOf(cfg)?.rp_id;
  if (rp) return rp;
  const addr = rpHosts.get(cfg)?.() ?? 'localhost';
  const m = /^\[([^\]]+)\]/.exec(addr);
  return m ? m[1] : addr.replace(/:\d+$/, '');
}

/** second_factor on|webauthn with WebAuthn configured (rp_id or any registered device). */
export function webauthnEnabled(cfg: DevClusterConfig): boolean {
  const sf = secondFactorOf(cfg);
  if (sf !== 'on' && sf !== 'webauthn') return false;
  return !!webauthnConfigOf(cfg) || cfg.users.some((u) => devicesOf(u).length > 0);
}

/** second_factor on|otp: TOTP answers are accepted. */
export function totpEnabled(cfg: DevClusterConfig): boolean {
  const sf = secondFactorOf(cfg);
  return sf === 'on' || sf === 'otp';
}

export function hasWebauthnDevice(cfg: DevClusterConfig, user: UserConfig): boolean {
  return webauthnEnabled(cfg) && devicesOf(user).length > 0;
}
