// The daemon's TshdEventsService client against a fake app on a unix socket: nothing works before
// UpdateTshdEventsServerAddress (upstream's NotFound), then PromptMFA returns the app's code (and a
// per-session MFA prompter uses it), a cancelled modal is Aborted, one Relogin at a time, and
// notifications are best effort.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Server, ServerCredentials, status, type sendUnaryData } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TshdEventsServiceService,
  type PromptMFARequest,
  type ReloginRequest,
  type SendNotificationRequest,
} from '../../src/gen/teleport/lib/teleterm/v1/tshd_events_service.js';
import { MSG_NOT_INITIALIZED, MSG_RELOGIN_IN_PROGRESS } from '../../src/daemon/events.js';
import { tempHome } from '../helpers/cluster.js';
import { socketDir, startDaemon, type TestDaemon } from './harness.js';

interface FakeApp {
  server: Server;
  addr: string;
  mfa: PromptMFARequest[];
  relogins: ReloginRequest[];
  notes: SendNotificationRequest[];
  /** What the next PromptMFA answers: a code, or a gRPC status code to fail with. */
  answer: string | number;
  reloginDelayMs: number;
}

async function startFakeApp(): Promise<FakeApp> {
  const app: FakeApp = {
    server: new Server(),
    addr: `unix://${path.join(socketDir(), 'app.sock')}`,
    mfa: [],
    relogins: [],
    notes: [],
    answer: '123456',
    reloginDelayMs: 0,
  };
  const fail = (cb: sendUnaryData<unknown>, code: number) =>
    cb(Object.assign(new Error('nope'), { code, details: 'closed by the user' }));
  app.server.addService(TshdEventsServiceService, {
    promptMfa: (call: { request: PromptMFARequest }, cb: sendUnaryData<unknown>) => {
      app.mfa.push(call.request);
      if (typeof app.answer === 'number') fail(cb, app.answer);
      else cb(null, { totpCode: app.answer });
    },
    relogin: (call: { request: ReloginRequest }, cb: sendUnaryData<unknown>) => {
      app.relogins.push(call.request);
      setTimeout(() => cb(null, {}), app.reloginDelayMs);
    },
    sendNotification: (call: { request: SendNotificationRequest }, cb: sendUnaryData<unknown>) => {
      app.notes.push(call.request);
      fail(cb, status.INTERNAL);
    },
  } as never);
  await new Promise<void>((resolve, reject) =>
    app.server.bindAsync(app.addr, ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return app;
}

describe('tshd events client', () => {
  const home = tempHome();
  let d: TestDaemon;
  let app: FakeApp;

  beforeAll(async () => {
    d = await startDaemon(home);
    app = await startFakeApp();
  });
  afterAll(async () => {
    await d?.close();
    app?.server.forceShutdown();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('fails with NotFound before the app gave its address', async () => {
    const events = d.server.ctx.events;
    expect(events.ready).toBe(false);
    await expect(
      events.promptMfa({ clusterUri: '/clusters/x', totp: true, webauthn: false }),
    ).rejects.toThrow(MSG_NOT_INITIALIZED);
  });

  it('asks the app for MFA once the address is set', async () => {
    await d.call('updateTshdEventsServerAddress', { address: app.addr });
    const events = d.server.ctx.events;
    expect(events.ready).toBe(true);
    const code = await events.promptMfa({
      clusterUri: '/clusters/x/dbs/pg',
      reason: 'why',
      totp: true,
      webauthn: false,
    });
    expect(code).toBe('123456');
    expect(app.mfa[0]).toMatchObject({ clusterUri: '/clusters/x/dbs/pg', reason: 'why', totp: true });
    // The client core's OTP prompt, answered by the app.
    expect(
      await events.mfaPrompter('/clusters/x', 'per-session MFA').line('Enter an OTP code from a device:'),
    ).toBe('123456');
    app.answer = status.ABORTED;
    await expect(
      events.promptMfa({ clusterUri: '/clusters/x', totp: true, webauthn: false }),
    ).rejects.toMatchObject({
      kind: 'aborted',
    });
    app.answer = '654321';
  });

  it('runs one relogin at a time', async () => {
    const events = d.server.ctx.events;
    app.reloginDelayMs = 300;
    const req: ReloginRequest = {
      rootClusterUri: '/clusters/x',
      reason: {
        $case: 'gatewayCertExpired',
        value: { gatewayUri: '/gateways/1', targetUri: '/clusters/x/dbs/pg' },
      },
    };
    const first = events.relogin(req);
    await expect(events.relogin(req)).rejects.toThrow(MSG_RELOGIN_IN_PROGRESS);
    await first;
    expect(app.relogins).toHaveLength(1);
    expect(app.relogins[0].reason?.$case).toBe('gatewayCertExpired');
    await events.relogin(req);
  });

  it('sends notifications best effort', async () => {
    await d.server.ctx.events.sendNotification({
      subject: {
        $case: 'cannotProxyGatewayConnection',
        value: { gatewayUri: '/gateways/1', targetUri: '/clusters/x/dbs/pg', error: 'boom' },
      },
    });
    expect(app.notes).toHaveLength(1);
    expect(d.logs.join('')).toContain('could not send a notification to the app');
  });
});
