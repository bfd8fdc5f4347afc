// What access requests change in a reissued user certificate (upstream lib/auth auth_with_roles.go
// generateUserCerts and auth.go getValidatedAccessRequest): the active requests of the caller's
// certificate are kept and checked again, new ones added, dropped ones removed ("*" drops all);
// each approved role request adds its roles and bounds the expiry by its access expiry; a resource
// request grants its search_as roles for the listed resources only.
import { status } from '@grpc/grpc-js';
import type { UserCertsRequest } from '../../gen/teleport/legacy/client/proto/authservice.js';
import type { TlsIdentity } from '../../auth/x509/identity.js';
import type { DevClusterConfig, UserConfig } from '../config.js';
import { GrpcError } from '../grpcerror.js';
import { RequestState, resourceIdsToString, type ResourceId } from './model.js';
import type { AccessRequestStore } from './store.js';

export interface RequestPrivileges {
  /** The certificate's roles. */
  roles: string[];
  activeRequests: string[];
  allowedResourceIds?: string;
  /** The earliest access expiry of the requests (ms). */
  accessExpires?: number;
  /** Set when requests are dropped: the expiry cap becomes the login session's end again (ms). */
  sessionExpires?: number;
  /** Carried in certificates with requests so a later drop can restore the session length. */
  previousIdentityExpires?: Date;
}

export function requestPrivileges(
  cfg: DevClusterConfig,
  caller: { user: UserConfig; identity: TlsIdentity },
  req: UserCertsRequest,
  store: AccessRequestStore | undefined,
  now: number,
): RequestPrivileges {
  const drop = req.DropAccessRequests ?? [];
  const dropAll = drop.includes('*');
  // A drop recomputes roles from the user's stored roles; otherwise the certificate's roles stay.
  const base = drop.length ? caller.user.roles : caller.identity.groups;
  const ids = [...new Set([...req.AccessRequests, ...caller.identity.activeRequests])].filter(
    (id) => !dropAll && !drop.includes(id),
  );
  void cfg;
  const out: RequestPrivileges = { roles: [...base], activeRequests: ids };
  const session = caller.identity.previousIdentityExpires ?? caller.identity.expires;
  if (drop.length && caller.identity.previousIdentityExpires) {
    out.sessionExpires = caller.identity.previousIdentityExpires.getTime();
  }
  if (!ids.length) return out;
  if (!store) throw new GrpcError(status.NOT_FOUND, `access request "${ids[0]}" not found`);
  let allowed: ResourceId[] = [];
  for (const id of ids) {
    const r = store.get(id);
    if (!r || r.user !== caller.user.name) {
      throw new GrpcError(status.NOT_FOUND, `access request "${id}" not found`);
    }
    if (r.state !== RequestState.APPROVED) {
      if (r.state === RequestState.DENIED) {
        throw new GrpcError(status.PERMISSION_DENIED, `access request "${id}" has been denied`);
      }
      throw new GrpcError(status.PERMISSION_DENIED, `access request "${id}" is awaiting approval`);
    }
    if (r.accessExpiry.getTime() < now) {
      throw new GrpcError(status.INVALID_ARGUMENT, `access request "${id}" has expired`);
    }
    if (r.assumeStartTime && r.assumeStartTime.getTime() > now) {
      throw new GrpcError(
        status.PERMISSION_DENIED,
        `access request "${id}" can not be assumed until ${r.assumeStartTime.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
      );
    }
    out.accessExpires = Math.min(out.accessExpires ?? Infinity, r.accessExpiry.getTime());
    out.roles.push(...r.roles);
    if (allowed.length && r.resourceIds.length) {
      throw new GrpcError(
        status.INVALID_ARGUMENT,
        'cannot generate certificate with multiple search-based access requests',
      );
    }
    if (r.resourceIds.length) allowed = r.resourceIds;
  }
  out.roles = [...new Set(out.roles)];
  out.allowedResourceIds = resourceIdsToString(allowed) || undefined;
  out.previousIdentityExpires = session;
  return out;
}
