// The ALPN values a database local proxy offers the proxy's TLS-routing port
// (lib/srv/alpnproxy/common/protocols.go ToALPNProtocol, WithPingProtocols;
// lib/srv/alpnproxy/local_proxy_config_opt.go WithMySQLVersionProto). docs/proxy-db.md.
import { PING_SUFFIX } from '../wire/pingconn.js';
import { TshError } from '../util/errors.js';

/** Database protocol (lib/defaults) → its ALPN value. */
const DB_ALPN: Readonly<Record<string, string>> = {
  postgres: 'teleport-postgres',
  cockroachdb: 'teleport-postgres',
  mysql: 'teleport-mysql',
  mongodb: 'teleport-mongodb',
  oracle: 'teleport-oracle',
  redis: 'teleport-redis',
  sqlserver: 'teleport-sqlserver',
  snowflake: 'teleport-snowflake',
  cassandra: 'teleport-cassandra',
  elasticsearch: 'teleport-elasticsearch',
  opensearch: 'teleport-opensearch',
  dynamodb: 'teleport-dynamodb',
  clickhouse: 'teleport-clickhouse',
  'clickhouse-http': 'teleport-clickhouse',
  spanner: 'teleport-spanner',
};

/** ProtocolMySQLWithVerPrefix: the MySQL server version rides in one more ALPN value. */
export const ALPN_MYSQL_VERSION_PREFIX = 'teleport-mysql-';

/** ProtocolsWithPingSupport: every database ALPN value, and teleport-tcp. Exact matches only. */
const PING_CAPABLE = new Set([...Object.values(DB_ALPN), 'teleport-tcp']);

/** ToALPNProtocol: the ALPN value of a database protocol. */
export function alpnForDatabase(protocol: string): string {
  const alpn = Object.hasOwn(DB_ALPN, protocol) ? DB_ALPN[protocol] : undefined;
  if (!alpn) throw new TshError(`${JSON.stringify(protocol)} protocol is not supported`, 'bad-parameter');
  return alpn;
}

/**
 * WithPingProtocols: the "-ping" variant of each protocol that has one goes in front of the
 * list, in order, then the list itself; duplicates are dropped (first one wins).
 */
export function withPingProtocols(protocols: readonly string[]): string[] {
  const ping = protocols.filter((p) => PING_CAPABLE.has(p)).map((p) => `${p}${PING_SUFFIX}`);
  return [...new Set([...ping, ...protocols])];
}

/** mySQLVersionToProto: "teleport-mysql-" + base64(version), or undefined without a version. */
export function mysqlVersionAlpn(version: string | undefined): string | undefined {
  if (!version) return undefined;
  return `${ALPN_MYSQL_VERSION_PREFIX}${Buffer.from(version, 'utf8').toString('base64')}`;
}

/**
 * The list a database local proxy offers: the protocol's ALPN value, plus (MySQL, not tunnel, a
 * known server version) the version entry, with ping variants first.
 */
export function dbAlpnProtocols(
  protocol: string,
  o: { tunnel: boolean; mysqlServerVersion?: string },
): string[] {
  const list = [alpnForDatabase(protocol)];
  if (protocol === 'mysql' && !o.tunnel) {
    const v = mysqlVersionAlpn(o.mysqlServerVersion);
    if (v) list.push(v);
  }
  return withPingProtocols(list);
}

/** IsPingProtocol: the negotiated value says the stream is ping-framed. */
export function isPingProtocol(alpn: string | false | null | undefined): boolean {
  return !!alpn && alpn.endsWith(PING_SUFFIX);
}
