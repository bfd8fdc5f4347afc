// AuthService.GetSSHTargets (lib/auth/auth_with_roles.go): every node an equivalent SSH dial would
// route to, among the nodes the caller may reach directly *or* through its search_as_roles (what
// ambiguous-host errors and `tsh ssh`'s automatic resource requests need).
import type {
  GetSSHTargetsRequest,
  GetSSHTargetsResponse,
} from '../gen/teleport/legacy/client/proto/authservice.js';
import type { ServerV2 } from '../gen/teleport/legacy/types/types.js';
import { roleAllows, type userRoles } from './rbac.js';
import type { Catalog, CatalogEntry } from './resources.js';

function splitAddr(addr: string): { host: string; port: string } {
  const i = addr.lastIndexOf(':');
  return i < 0
    ? { host: addr, port: '' }
    : { host: addr.slice(0, i).replace(/^\[|\]$/g, ''), port: addr.slice(i + 1) };
}

/**
 * The SSH route matcher: the host is the node's ID (UUID name), its hostname or the host of its
 * address; a port other than "" or "0" must be the address's port (tunnel nodes have none, so any
 * port routes to them by hostname or ID).
 */
export function routesTo(e: CatalogEntry, host: string, port: string): boolean {
  if (e.metadataName === host) return true;
  const addr = splitAddr(e.addr ?? '');
  const anyPort = port === '' || port === '0' || addr.port === '';
  if (e.name === host) return anyPort || addr.port === port;
  return addr.host !== '' && addr.host === host && (anyPort || addr.port === port);
}

export function getSshTargets(
  catalog: Catalog,
  roles: ReturnType<typeof userRoles>,
  req: GetSSHTargetsRequest,
): GetSSHTargetsResponse {
  catalog.heartbeat();
  const servers: ServerV2[] = [];
  for (const e of catalog.get('node') ?? []) {
    if (!roleAllows(roles, 'node', e.labels) || !routesTo(e, req.Host, req.Port)) continue;
    const r = e.resource.resource;
    if (r?.$case === 'Node') servers.push(r.value);
  }
  return { Servers: servers };
}
