// What every command runs with: IO streams (TTY-aware), env, clock, prompter, the tsh home's
// profile store (and key store, loaded on first use), and the TeleportClient, built lazily by a
// factory a test can replace.
import type { FileKeyStore } from '../auth/keystore.js';
import { ProfileStore, type Profile } from '../auth/profile.js';
import {
  configHome,
  noLog,
  selectedProfile,
  selectedProfileName,
  type ClientConfig,
  type Logger,
} from '../client/config.js';
import { TeleportClient } from '../client/teleport.js';
import { wantsHeadless } from '../client/headlessflag.js';
import { LazyHeadlessClient } from '../client/headlessclient.js';
import type { IO } from '../term/io.js';
import { StdioPrompter, type Prompter } from '../term/prompt.js';

/** tsh's global flags (and the TELEPORT_* variables behind them). */
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
  /** --mfa-mode / TELEPORT_MFA_MODE */
  mfaMode?: string;
  login?: string;
  cluster?: string;
  /** --headless (TELEPORT_HEADLESS arrives as its string). */
  headless?: boolean | string;
}

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The seams of a command context: what a test replaces to run a command without a cluster. */
export interface ContextDeps {
  client?: (config: ClientConfig) => TeleportClient;
  clock?: Clock;
  prompter?: (io: IO) => Prompter & { close?(): void };
}

export class CommandContext {
  readonly home: string;
  readonly profiles: ProfileStore;
  readonly clock: Clock;
  private readonly clients: TeleportClient[] = [];
  private defaultClient?: TeleportClient;
  private prompterInstance?: Prompter & { close?(): void };

  constructor(
    readonly io: IO,
    readonly globals: GlobalOptions = {},
    readonly log: Logger = noLog,
    private readonly deps: ContextDeps = {},
  ) {
    this.home = configHome({ env: io.env });
    this.profiles = new ProfileStore(this.home);
    this.clock = deps.clock ?? realClock;
  }

  /** The key store of the home (loaded on first use: `version` and `status` never need its codecs). */
  keyStore(): Promise<FileKeyStore> {
    return this.client().keyStore();
  }

  get env(): NodeJS.ProcessEnv {
    return this.io.env;
  }

  /** The client core's view of the global options. */
  clientConfig(overrides: Partial<ClientConfig> = {}): ClientConfig {
    const g = this.globals;
    return {
      home: this.home,
      proxy: g.proxy,
      user: g.user,
      cluster: g.cluster,
      identityFile: g.identity,
      insecure: g.insecure,
      skipVersionCheck: g.skipVersionCheck,
      env: this.io.env,
      log: this.log,
      ...overrides,
    };
  }

  /**
   * The TeleportClient for the selected profile (one per command; closed when the command ends).
   * With overrides (e.g. another proxy), a separate client.
   */
  client(overrides?: Partial<ClientConfig>): TeleportClient {
    if (!overrides && this.defaultClient) return this.defaultClient;
    const config = this.clientConfig(overrides);
    const tc = this.deps.client
      ? this.deps.client(config)
      : wantsHeadless(this.globals)
        ? new LazyHeadlessClient(config, { ttl: this.globals.ttl, warn: (t) => this.io.stderr.write(t) })
        : new TeleportClient(config);
    this.clients.push(tc);
    if (!overrides) this.defaultClient = tc;
    return tc;
  }

  /** Password/OTP prompts on the terminal, or lines of stdin when it is a pipe. */
  prompter(): Prompter {
    this.prompterInstance ??= this.deps.prompter ? this.deps.prompter(this.io) : new StdioPrompter(this.io);
    return this.prompterInstance;
  }

  selectedProfileName(): string | undefined {
    return selectedProfileName(this.clientConfig(), this.profiles);
  }

  selectedProfile(): Profile | undefined {
    return selectedProfile(this.clientConfig(), this.profiles);
  }

  /** Closes every client and the prompter the command opened. */
  close(): void {
    for (const c of this.clients.splice(0)) c.close();
    this.defaultClient = undefined;
    this.prompterInstance?.close?.();
    this.prompterInstance = undefined;
  }
}
