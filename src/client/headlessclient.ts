// The TeleportClient a command gets when it runs with --headless (tsh --headless ls/ssh/scp): it
// logs in headlessly the first time the command needs credentials, and keeps the result in memory
// only. Small on purpose: the login code (./headless.js) is imported only then.
import { TshError } from '../util/errors.js';
import { localUsername } from '../util/osuser.js';
import type { ClientConfig } from './config.js';
import type { HeadlessSession } from './headless.js';
import type { ClientIdentity } from './identity.js';
import { TeleportClient } from './teleport.js';

export interface LazyHeadlessOptions {
  /** minutes */
  ttl?: number;
  /** Where the approval instructions go (stderr in the CLI). */
  warn: (text: string) => void;
}

export class LazyHeadlessClient extends TeleportClient {
  private session?: Promise<HeadlessSession>;

  constructor(
    config: ClientConfig,
    private readonly opts: LazyHeadlessOptions,
  ) {
    super(config);
  }

  /** The headless login, run once. */
  headlessSession(): Promise<HeadlessSession> {
    this.session ??= (async () => {
      const c = this.config;
      if (!c.proxy) {
        throw new TshError(
          'headless login needs the proxy address; pass --proxy=host:port or set TELEPORT_PROXY',
          'bad-parameter',
        );
      }
      const { headlessLogin } = await import('./headless.js');
      return headlessLogin(c, {
        proxy: c.proxy,
        user: c.user || localUsername() || '',
        ttl: this.opts.ttl,
        insecure: c.insecure,
        skipVersionCheck: c.skipVersionCheck,
        warn: this.opts.warn,
      });
    })();
    return this.session;
  }

  override async identity(): Promise<ClientIdentity> {
    return (await this.headlessSession()).identity;
  }
}
