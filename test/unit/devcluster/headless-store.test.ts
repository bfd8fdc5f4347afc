import { describe, expect, it } from 'vitest';
import { HeadlessStore, HeadlessWaitError } from '../../../src/devcluster/headless/store.js';
import { HeadlessAuthenticationState as S } from '../../../src/gen/teleport/legacy/types/types.js';

const req = (id: string) => ({
  id,
  user: 'bob',
  sshPublicKey: Buffer.from('ssh-ed25519 AAAA\n'),
  tlsPublicKey: Buffer.from('pem'),
  clientIpAddress: '127.0.0.1',
});

const reason = (p: Promise<unknown>) =>
  p.then(
    () => 'approved',
    (e: unknown) => (e instanceof HeadlessWaitError ? e.reason : String(e)),
  );

describe('HeadlessStore', () => {
  it('an approval wakes the login with the device; the request is then gone', async () => {
    const s = new HeadlessStore();
    const login = s.waitForDecision(req('a'));
    expect((await s.get('a', 0))?.state).toBe(S.HEADLESS_AUTHENTICATION_STATE_PENDING);
    expect(s.decide('a', S.HEADLESS_AUTHENTICATION_STATE_APPROVED, 'dev-1')).toBe(true);
    const done = await login;
    expect([done.state, done.mfaDeviceId]).toEqual([S.HEADLESS_AUTHENTICATION_STATE_APPROVED, 'dev-1']);
    expect(s.size).toBe(0);
    expect(s.decide('a', S.HEADLESS_AUTHENTICATION_STATE_DENIED)).toBe(false);
  });

  it('denial, timeout and a client that goes away end the wait', async () => {
    const s = new HeadlessStore();
    const denied = reason(s.waitForDecision(req('d')));
    s.decide('d', S.HEADLESS_AUTHENTICATION_STATE_DENIED);
    expect(await denied).toBe('denied');
    s.timeoutMs = 50;
    expect(await reason(s.waitForDecision(req('t')))).toBe('timeout');
    const ac = new AbortController();
    const gone = reason(s.waitForDecision(req('c'), ac.signal));
    ac.abort();
    expect(await gone).toBe('cancelled');
    expect(s.size).toBe(0);
  });

  it('a second login with the same ID is refused; decided requests cannot change', async () => {
    const s = new HeadlessStore();
    const first = s.waitForDecision(req('x'));
    expect(await reason(s.waitForDecision(req('x')))).toBe('duplicate');
    s.decide('x', S.HEADLESS_AUTHENTICATION_STATE_APPROVED, 'dev');
    await first;
  });

  it('get waits for a login that has not arrived yet', async () => {
    const s = new HeadlessStore();
    const got = s.get('late', 2_000);
    setTimeout(() => void s.waitForDecision(req('late')).catch(() => {}), 20);
    expect((await got)?.user).toBe('bob');
    expect(await s.get('never', 30)).toBeUndefined();
    s.decide('late', S.HEADLESS_AUTHENTICATION_STATE_DENIED);
  });
});
