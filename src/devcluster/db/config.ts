// The configured databases as the database service serves them: where the real server is
// (`uri` host:port), the CA that signed its certificate (`ca_cert_file`, upstream tls.ca_cert_file)
// and the MySQL version to announce (`mysql_server_version`). The YAML itself is checked in
// src/devcluster/config.ts (normalizeConfig).
import * as fs from 'node:fs';
import { ConfigError, type DevClusterConfig, type ResourceConfig } from '../config.js';
import type { DatabaseTarget } from './engine.js';

export interface ServedDatabase extends DatabaseTarget {
  uri: string;
  labels: Record<string, string>;
  /** PEM of ca_cert_file, read when the cluster starts. */
  caCertPem?: string;
  mysqlServerVersion?: string;
}

/** host:port (IPv6 in brackets) → parts. */
export function splitHostPort(uri: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:/\s]+)):(\d{1,5})$/.exec(uri);
  if (!m) throw new ConfigError(`invalid database address "${uri}": expected host:port`);
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}

function labelsOf(r: ResourceConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.labels ?? {})) out[k] = String(v);
  return out;
}

/** Every configured database; an unreadable ca_cert_file is a ConfigError. */
export function servedDatabases(cfg: DevClusterConfig): Map<string, ServedDatabase> {
  const out = new Map<string, ServedDatabase>();
  for (const d of cfg.databases) {
    const uri = String(d.uri);
    let caCertPem: string | undefined;
    if (typeof d.ca_cert_file === 'string' && d.ca_cert_file) {
      try {
        caCertPem = fs.readFileSync(d.ca_cert_file, 'utf8');
      } catch (err) {
        throw new ConfigError(
          `config: database ${d.name}: cannot read ca_cert_file ${d.ca_cert_file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
        );
      }
    }
    out.set(d.name, {
      config: d,
      name: d.name,
      protocol: String(d.protocol ?? 'postgres'),
      uri,
      ...splitHostPort(uri),
      labels: labelsOf(d),
      caCertPem,
      mysqlServerVersion: typeof d.mysql_server_version === 'string' ? d.mysql_server_version : undefined,
    });
  }
  return out;
}
