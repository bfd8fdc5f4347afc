// The ALPN list a database local proxy offers: each protocol's value, "-ping" variants first,
// MySQL's version entry only without tunnel (and never with a ping variant of its own).
import { test } from 'vitest';
import assert from 'node:assert/strict';
import {
  alpnForDatabase,
  dbAlpnProtocols,
  isPingProtocol,
  mysqlVersionAlpn,
  withPingProtocols,
} from '../../../src/proxy/dbalpn.js';

test('postgres and cockroachdb share teleport-postgres; ping first', () => {
  assert.deepEqual(dbAlpnProtocols('postgres', { tunnel: false }), [
    'teleport-postgres-ping',
    'teleport-postgres',
  ]);
  assert.deepEqual(dbAlpnProtocols('cockroachdb', { tunnel: true }), [
    'teleport-postgres-ping',
    'teleport-postgres',
  ]);
  assert.equal(alpnForDatabase('clickhouse-http'), 'teleport-clickhouse');
  assert.equal(alpnForDatabase('spanner'), 'teleport-spanner');
});

test('mysql carries base64(server version) without tunnel only', () => {
  const v = '10.11.6-MariaDB';
  const b64 = Buffer.from(v).toString('base64');
  assert.equal(mysqlVersionAlpn(v), `teleport-mysql-${b64}`);
  assert.equal(mysqlVersionAlpn(''), undefined);
  assert.deepEqual(dbAlpnProtocols('mysql', { tunnel: false, mysqlServerVersion: v }), [
    'teleport-mysql-ping',
    'teleport-mysql',
    `teleport-mysql-${b64}`,
  ]);
  assert.deepEqual(dbAlpnProtocols('mysql', { tunnel: true, mysqlServerVersion: v }), [
    'teleport-mysql-ping',
    'teleport-mysql',
  ]);
  assert.deepEqual(dbAlpnProtocols('mysql', { tunnel: false }), ['teleport-mysql-ping', 'teleport-mysql']);
});

test('WithPingProtocols: ping variants of eligible protocols in front, duplicates dropped', () => {
  // upstream's own example (common/protocols_test.go)
  assert.deepEqual(
    withPingProtocols([
      'teleport-reversetunnel',
      'teleport-tcp',
      'teleport-redis',
      'teleport-reversetunnel',
      'h2',
    ]),
    [
      'teleport-tcp-ping',
      'teleport-redis-ping',
      'teleport-reversetunnel',
      'teleport-tcp',
      'teleport-redis',
      'h2',
    ],
  );
});

test('unknown protocols are refused as upstream words it', () => {
  assert.throws(() => alpnForDatabase('foo'), /^TshError: "foo" protocol is not supported$/);
  assert.throws(() => alpnForDatabase('__proto__'), /protocol is not supported/);
});

test('a negotiated value ending in -ping means framing', () => {
  assert.equal(isPingProtocol('teleport-postgres-ping'), true);
  assert.equal(isPingProtocol('teleport-postgres'), false);
  assert.equal(isPingProtocol(false), false);
  assert.equal(isPingProtocol(''), false);
});
