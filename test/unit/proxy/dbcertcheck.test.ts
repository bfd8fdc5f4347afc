// The tunnel's certificate checker: the saved certificate while it fits, a reissue when it
// expired or names another user or database, one reissue for concurrent connections, and the
// re-login message once the user's own certificate has expired.
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { checkDbCertSubject, tunnelCertChecker } from '../../../src/proxy/dbcertcheck.js';

const route = { serviceName: 'pg', username: 'alice', database: 'postgres' };
const cert = (n: number, expires: Date, r = route) => ({
  certPem: `cert${n}`,
  keyPem: `key${n}`,
  expires,
  identity: { routeToDatabase: r },
});

test('CheckDBCertSubject: user, then database; empty wants match anything', () => {
  assert.equal(checkDbCertSubject(route, route), undefined);
  assert.equal(
    checkDbCertSubject({ ...route, username: 'bob' }, route),
    'certificate subject is for user bob, but need alice',
  );
  assert.equal(
    checkDbCertSubject({ ...route, database: 'other' }, route),
    'certificate subject is for database name other, but need postgres',
  );
  assert.equal(checkDbCertSubject({ ...route, database: 'other' }, { ...route, database: '' }), undefined);
  assert.equal(checkDbCertSubject(undefined, route), 'certificate subject is for user , but need alice');
});

function checker(initial: ReturnType<typeof cert> | undefined, now: { t: number }, userExpires = 10_000) {
  let issued = 0;
  const get = tunnelCertChecker({
    initial,
    route,
    now: () => new Date(now.t),
    userCertExpires: new Date(userExpires),
    proxy: 'proxy.example.com:443',
    issue: async () => cert(++issued + 100, new Date(now.t + 1000)),
  });
  return { get, issued: () => issued };
}

test('a saved certificate that fits is used until it expires, then reissued', async () => {
  const now = { t: 0 };
  const c = checker(cert(1, new Date(500)), now);
  assert.equal((await c.get()).certPem, 'cert1');
  now.t = 499;
  assert.equal((await c.get()).certPem, 'cert1');
  now.t = 500;
  assert.equal((await c.get()).certPem, 'cert101');
  assert.equal((await c.get()).certPem, 'cert101');
  assert.equal(c.issued(), 1);
});

test('no saved certificate, or one for another db user: reissued', async () => {
  const now = { t: 0 };
  assert.equal((await checker(undefined, now).get()).certPem, 'cert101');
  const other = checker(cert(1, new Date(5000), { ...route, username: 'bob' }), now);
  assert.equal((await other.get()).certPem, 'cert101');
});

test('connections arriving together share one reissue', async () => {
  const now = { t: 0 };
  const c = checker(undefined, now);
  const got = await Promise.all([c.get(), c.get(), c.get()]);
  assert.deepEqual(
    got.map((x) => x.certPem),
    ['cert101', 'cert101', 'cert101'],
  );
  assert.equal(c.issued(), 1);
});

test('an expired login is the re-login message, without a reissue attempt', async () => {
  const now = { t: 20_000 };
  const c = checker(undefined, now, 10_000);
  await assert.rejects(c.get(), {
    message:
      'your credentials for proxy.example.com:443 expired at 1970-01-01T00:00:10.000Z; run "tshjs login" and restart this proxy',
  });
  assert.equal(c.issued(), 0);
});

test('expired login with a relogin hook: each connection asks; a new login on disk is taken up', async () => {
  const now = { t: 20_000 };
  let onDisk: { userCertExpires: Date; issue: () => Promise<ReturnType<typeof cert>> } | undefined;
  let asked = 0;
  let oldIssued = 0;
  const get = tunnelCertChecker({
    initial: cert(1, new Date(15_000)),
    route,
    now: () => new Date(now.t),
    userCertExpires: new Date(10_000),
    proxy: 'proxy.example.com:443',
    issue: async () => cert(++oldIssued, new Date(now.t + 1000)),
    relogin: async () => {
      asked++;
      return onDisk;
    },
  });
  // No new login yet: the connection fails with what to do; the proxy is meant to keep listening.
  await assert.rejects(get(), {
    message:
      'your credentials for proxy.example.com:443 expired at 1970-01-01T00:00:10.000Z; run "tshjs login" ' +
      'in another terminal, then connect again: this proxy keeps listening and uses the new login',
  });
  // A login that is itself expired does not count.
  onDisk = { userCertExpires: new Date(19_000), issue: async () => cert(900, new Date(now.t + 1000)) };
  await assert.rejects(get(), /expired at 1970-01-01T00:00:10\.000Z/);
  assert.equal(asked, 2);
  // `tshjs login` elsewhere: the next connection gets a certificate issued with the new login.
  onDisk = { userCertExpires: new Date(60_000), issue: async () => cert(200, new Date(now.t + 5000)) };
  assert.equal((await get()).certPem, 'cert200');
  assert.equal((await get()).certPem, 'cert200');
  assert.equal(oldIssued, 0);
  assert.equal(asked, 3);
});
