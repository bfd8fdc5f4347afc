// What every command shares: resolved global options, the profile and key stores, IO.
import { defaultHome } from '../auth/keypaths.js';
import { ProfileStore, profileNameFromAddr, type Profile } from '../auth/profile.js';
import type { IO } from '../term/io.js';
import { normalizeProxyAddr } from './addr.js';

export interface GlobalOptions {
  proxy?: string;
  user?: string;
  /** minutes */
  ttl?: number;
  identity?: string;
  insecure?: boolean;
  auth?: string;
  debug?: boolean;
  skipVersionCheck?: boolean;
  login?: string;
  cluster?: string;
}

export type Logger = (msg: string, fields?: Record<string, unknown>) => void;

export class ClientContext {
  readonly home: string;
  readonly profiles: ProfileStore;

  constructor(
    readonly io: IO,
    readonly opts: GlobalOptions,
    readonly log: Logger = () => {},
  ) {
    this.home = defaultHome(io.env);
    this.profiles = new ProfileStore(this.home);
  }

  /** Name of the profile a command acts on: --proxy/TELEPORT_PROXY's host, else current-profile. */
  selectedProfileName(): string | undefined {
    if (this.opts.proxy) return profileNameFromAddr(normalizeProxyAddr(this.opts.proxy));
    return this.profiles.currentName();
  }

  selectedProfile(): Profile | undefined {
    const name = this.selectedProfileName();
    return name ? this.profiles.read(name) : undefined;
  }
}
