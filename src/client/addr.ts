// Proxy address handling, kept free of network modules so it is cheap to import.
import { splitHostPort } from '../auth/profile.js';
import { TshError } from '../util/errors.js';

export const DEFAULT_WEB_PORT = 3080;
export const DEFAULT_SSH_PORT = 3023;

/** Normalises "host", "host:port" and "https://host:port/" to host:port (default port 3080). */
export function normalizeProxyAddr(addr: string): string {
  let a = addr.trim();
  if (!a) throw new TshError('proxy address is empty; pass --proxy=host:port', 'bad-parameter');
  a = a.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  const { host, port } = splitHostPort(a);
  if (!host) throw new TshError(`invalid proxy address "${addr}"; expected host:port`, 'bad-parameter');
  if (port !== undefined && (!Number.isInteger(port) || port <= 0 || port > 65535)) {
    throw new TshError(`invalid port in proxy address "${addr}"`, 'bad-parameter');
  }
  const h = host.includes(':') ? `[${host}]` : host;
  return `${h}:${port ?? DEFAULT_WEB_PORT}`;
}
