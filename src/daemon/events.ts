// The daemon's client of the app's TshdEventsService (lib/teleterm/daemon: tshd calls back into
// Connect for re-login, notifications and MFA prompts). The app names its address with
// UpdateTshdEventsServerAddress; until then every call fails with upstream's NotFound.
import { Metadata, credentials, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import type { Prompter } from '../term/prompt.js';
import {
  TshdEventsServiceClient as TshdEventsServiceClientCtor,
  type PromptMFARequest,
  type PromptMFAResponse,
  type ReloginRequest,
  type SendNotificationRequest,
  type SendPendingHeadlessAuthenticationRequest,
  type TshdEventsServiceClient,
} from '../gen/teleport/lib/teleterm/v1/tshd_events_service.js';
import { daemonError, DaemonError } from './errors.js';
import type { DaemonLog } from './log.js';

/** How long tshd waits for the user to log in again after a Relogin (1m0s upstream). */
export const RELOGIN_TIMEOUT_MS = 60_000;
/** SendNotification is best effort and short (1 s upstream). */
export const NOTIFICATION_TIMEOUT_MS = 1_000;

export const MSG_NOT_INITIALIZED = 'tshd events client has not been initialized yet';
export const MSG_RELOGIN_IN_PROGRESS = 'another relogin request is in progress';

/** What handler modules may ask the app (deps.events). */
export interface TshdEvents {
  /** Whether UpdateTshdEventsServerAddress has been called. */
  readonly ready: boolean;
  /** Asks the app to log the user in again and waits for it (one at a time, 1 minute). */
  relogin(req: ReloginRequest, timeoutMs?: number): Promise<void>;
  /** Best effort: failures are logged, never thrown. */
  sendNotification(req: SendNotificationRequest): Promise<void>;
  sendPendingHeadlessAuthentication(req: SendPendingHeadlessAuthenticationRequest): Promise<void>;
  /** The app's MFA modal (one at a time); the TOTP code it returns. User cancel -> DaemonError "aborted". */
  promptMfa(req: Omit<PromptMFARequest, 'reason'> & { reason?: string }): Promise<string>;
  /**
   * A client-core Prompter whose OTP question goes to PromptMFA for clusterUri (per-session MFA in
   * reissue.ts and the tdp/db cores). `reason` is sent as the modal's text.
   */
  mfaPrompter(clusterUri: string, reason?: string): Prompter;
}

/** A mutex as a promise chain (MFA prompts are serialised, as upstream's). */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => {});
    return next;
  }
}

export class TshdEventsClient implements TshdEvents {
  private client?: TshdEventsServiceClient;
  private reloginActive = false;
  private readonly mfa = new Serial();
  private readonly abort = new AbortController();

  constructor(private readonly log: DaemonLog) {}

  get ready(): boolean {
    return !!this.client;
  }

  /**
   * Dials the app's events server (unix:///path, or host:port / tcp://host:port; plaintext for a
   * unix-socket daemon, as upstream, else `creds`). Replaces any earlier client.
   */
  setAddress(address: string, creds?: () => ChannelCredentials): void {
    if (!address) throw daemonError('bad-parameter', 'missing tshd events server address');
    const target = address.startsWith('tcp://') ? address.slice('tcp://'.length) : address;
    // tcp:// daemons (mtls.ts) call the app over mutual TLS; built now, when renderer.crt exists.
    const c = creds ? creds() : credentials.createInsecure();
    this.client?.close();
    this.client = new TshdEventsServiceClientCtor(target, c);
    this.log.debug('tshd events client created', { address });
  }

  private call<Res>(
    method: 'relogin' | 'sendNotification' | 'sendPendingHeadlessAuthentication' | 'promptMfa',
    req: object,
    timeoutMs?: number,
  ): Promise<Res> {
    const c = this.client;
    if (!c) return Promise.reject(daemonError('not-found', MSG_NOT_INITIALIZED));
    return new Promise<Res>((resolve, reject) => {
      const deadline = timeoutMs ? new Date(Date.now() + timeoutMs) : undefined;
      const fn = c[method] as unknown as (
        req: object,
        md: Metadata,
        opts: object,
        cb: (err: ServiceError | null, res: Res) => void,
      ) => { cancel(): void };
      const onAbort = () => grpcCall.cancel();
      const grpcCall = fn.call(c, req, new Metadata(), { deadline }, (err, res) => {
        this.abort.signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(res);
      });
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async relogin(req: ReloginRequest, timeoutMs = RELOGIN_TIMEOUT_MS): Promise<void> {
    if (this.reloginActive) throw daemonError('already-exists', MSG_RELOGIN_IN_PROGRESS);
    this.reloginActive = true;
    try {
      await this.call('relogin', req, timeoutMs);
    } catch (err) {
      if (err instanceof DaemonError) throw err;
      const code = (err as { code?: number }).code;
      if (code === 4 /* DEADLINE_EXCEEDED */)
        throw daemonError('access-denied', 'the user did not refresh the session within 1m0s', err);
      throw daemonError('internal', `could not refresh the session: ${(err as Error).message}`, err);
    } finally {
      this.reloginActive = false;
    }
  }

  async sendNotification(req: SendNotificationRequest): Promise<void> {
    try {
      await this.call('sendNotification', req, NOTIFICATION_TIMEOUT_MS);
    } catch (err) {
      this.log.error('could not send a notification to the app', { error: String(err) });
    }
  }

  async sendPendingHeadlessAuthentication(req: SendPendingHeadlessAuthenticationRequest): Promise<void> {
    await this.call('sendPendingHeadlessAuthentication', req);
  }

  promptMfa(req: Omit<PromptMFARequest, 'reason'> & { reason?: string }): Promise<string> {
    return this.mfa.run(async () => {
      try {
        const res = await this.call<PromptMFAResponse>('promptMfa', { ...req, reason: req.reason ?? '' });
        return res.totpCode;
      } catch (err) {
        if ((err as { code?: number }).code === 10 /* ABORTED */)
          throw daemonError('aborted', 'MFA prompt was cancelled', err);
        throw err;
      }
    });
  }

  mfaPrompter(clusterUri: string, reason?: string): Prompter {
    const ask = () => this.promptMfa({ clusterUri, reason, totp: true, webauthn: false });
    return {
      line: ask,
      password: ask,
    };
  }

  /** Cancels calls in flight and closes the channel (daemon shutdown, after the handlers stop). */
  close(): void {
    this.abort.abort();
    this.client?.close();
    this.client = undefined;
  }
}
