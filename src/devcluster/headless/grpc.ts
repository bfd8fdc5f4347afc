// AuthService.GetHeadlessAuthentication and UpdateHeadlessAuthenticationState on the dev cluster
// (upstream lib/auth/auth_with_roles.go + lib/auth headless authentication): only the user the
// login is for may see or decide it; approving needs an answer to an MFA challenge of scope
// HEADLESS_LOGIN (CreateAuthenticateChallenge), and the device that answered is recorded so the
// certificates say mfa-verified.
//
// MFA kinds: upstream accepts WebAuthn (and, in newer versions, SSO) answers only and refuses TOTP
// with MSG_TOTP_NOT_FOR_HEADLESS. The dev cluster checks WebAuthn answers as upstream and refuses
// TOTP from users who have a WebAuthn device; a user with only an OTP device may approve with a
// code (a tshjs dev-cluster extension, docs/headless.md). `refuseTotp` refuses TOTP always.
import { status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { decodeTlsIdentity } from '../../auth/x509/identity.js';
import { verifyTotp } from '../../auth/totp.js';
import type { Empty } from '../../gen/google/protobuf/empty.js';
import type {
  GetHeadlessAuthenticationRequest,
  MFAAuthenticateResponse,
  UpdateHeadlessAuthenticationStateRequest,
} from '../../gen/teleport/legacy/client/proto/authservice.js';
import {
  HeadlessAuthenticationState,
  type HeadlessAuthentication,
} from '../../gen/teleport/legacy/types/types.js';
import type { DevClusterConfig, UserConfig } from '../config.js';
import { GrpcError } from '../grpcerror.js';
import { totpDeviceId, validateSessionMfaAsync } from '../mfachallenge.js';
import { hasWebauthnDevice } from '../webauthn/cluster.js';
import { headlessStore, type HeadlessRequest } from './store.js';

/** api/types KindHeadlessAuthentication. */
export const KIND_HEADLESS_AUTHENTICATION = 'headless_authentication';
/** Upstream v18's refusal of a TOTP answer (the %T of the Go oneof wrapper). */
export const MSG_TOTP_NOT_FOR_HEADLESS =
  'MFA response of type *proto.MFAAuthenticateResponse_TOTP is not supported for headless authentication';
/** How long GetHeadlessAuthentication waits for a login that has not reached the proxy yet. */
const ARRIVAL_WAIT_MS = 25_000;

type Log = (msg: string, fields?: Record<string, unknown>) => void;

export interface HeadlessServiceOptions {
  cfg: DevClusterConfig;
  log: Log;
  /** Refuse TOTP answers as upstream does (default false until WebAuthn is served). */
  refuseTotp?: boolean;
}

function caller(cfg: DevClusterConfig, call: ServerUnaryCall<unknown, unknown>): UserConfig {
  const raw = call.getAuthContext()?.sslPeerCertificate?.raw;
  if (!raw) throw new GrpcError(status.UNAUTHENTICATED, 'client certificate required');
  const name = decodeTlsIdentity(raw).username;
  const user = cfg.users.find((u) => u.name === name);
  if (!user) throw new GrpcError(status.PERMISSION_DENIED, `user "${name}" is not found`);
  return user;
}

function notFound(id: string): GrpcError {
  return new GrpcError(status.NOT_FOUND, `headless authentication "${id}" is not found`);
}

/** The resource as GetHeadlessAuthentication returns it. */
export function headlessResource(r: HeadlessRequest): HeadlessAuthentication {
  return {
    header: {
      Kind: KIND_HEADLESS_AUTHENTICATION,
      SubKind: '',
      Version: 'v1',
      Metadata: {
        Name: r.id,
        Namespace: 'default',
        Description: '',
        Labels: {},
        Expires: r.expires,
        Revision: '',
      },
    },
    user: r.user,
    publicKey: Buffer.alloc(0),
    state: r.state,
    clientIpAddress: r.clientIpAddress,
    sshPublicKey: r.sshPublicKey,
    tlsPublicKey: r.tlsPublicKey,
  };
}

/** Codes already spent on approvals per user (a TOTP code approves at most one request). */
const spentCodes = new Map<string, { code: string; at: number }[]>();
const CODE_REUSE_WINDOW_MS = 90_000;

/** Checks the MFA answer of an approval; returns the device to record. */
async function checkApprovalMfa(
  o: HeadlessServiceOptions,
  user: UserConfig,
  resp: MFAAuthenticateResponse | undefined,
): Promise<string> {
  const r = resp?.Response;
  if (!r) throw new GrpcError(status.INVALID_ARGUMENT, 'expected MFA auth challenge response');
  if (r.$case === 'Webauthn') return validateSessionMfaAsync(o.cfg, user, resp);
  if (o.refuseTotp || hasWebauthnDevice(o.cfg, user))
    throw new GrpcError(status.INVALID_ARGUMENT, MSG_TOTP_NOT_FOR_HEADLESS);
  const code = r.value.Code.trim();
  const now = Date.now();
  const spent = (spentCodes.get(user.name) ?? []).filter((s) => now - s.at < CODE_REUSE_WINDOW_MS);
  spentCodes.set(user.name, spent);
  if (o.cfg.second_factor === 'off' || !user.totp_secret || !verifyTotp(user.totp_secret, code)) {
    throw new GrpcError(status.PERMISSION_DENIED, 'invalid totp token');
  }
  if (spent.some((s) => s.code === code))
    throw new GrpcError(status.PERMISSION_DENIED, 'previously used totp token');
  spent.push({ code, at: now });
  return totpDeviceId(user);
}

function unary<Req, Res>(fn: (call: ServerUnaryCall<Req, Res>) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) => {
    fn(call).then(
      (res) => cb(null, res),
      (err: unknown) => {
        const e = err as Error;
        if (e instanceof GrpcError) cb({ code: e.code, details: e.message });
        else cb({ code: status.INTERNAL, details: e?.message ?? String(e) });
      },
    );
  };
}

/** The two AuthService handlers, to spread into the dev cluster's AuthService implementation. */
export function headlessAuthHandlers(o: HeadlessServiceOptions) {
  const store = headlessStore(o.cfg);
  return {
    getHeadlessAuthentication: unary<GetHeadlessAuthenticationRequest, HeadlessAuthentication>(
      async (call) => {
        const user = caller(o.cfg, call);
        const id = call.request.id;
        if (!id) throw new GrpcError(status.INVALID_ARGUMENT, 'missing headless authentication id');
        const gone = new AbortController();
        call.on('cancelled', () => gone.abort());
        const r = await store.get(id, Math.min(ARRIVAL_WAIT_MS, store.timeoutMs), gone.signal);
        // Someone else's request is as invisible as a missing one.
        if (!r || r.user !== user.name) throw notFound(id);
        return headlessResource(r);
      },
    ),
    updateHeadlessAuthenticationState: unary<UpdateHeadlessAuthenticationStateRequest, Empty>(
      async (call) => {
        const user = caller(o.cfg, call);
        const { id, state, mfaResponse } = call.request;
        const r = await store.get(id, 0);
        if (!r || r.user !== user.name) throw notFound(id);
        if (r.state !== HeadlessAuthenticationState.HEADLESS_AUTHENTICATION_STATE_PENDING) {
          throw new GrpcError(status.FAILED_PRECONDITION, 'headless authentication is not pending');
        }
        let device: string | undefined;
        if (state === HeadlessAuthenticationState.HEADLESS_AUTHENTICATION_STATE_APPROVED) {
          device = await checkApprovalMfa(o, user, mfaResponse);
        } else if (state !== HeadlessAuthenticationState.HEADLESS_AUTHENTICATION_STATE_DENIED) {
          throw new GrpcError(
            status.INVALID_ARGUMENT,
            'headless authentication can only be approved or denied',
          );
        }
        if (!store.decide(id, state, device)) throw notFound(id);
        o.log('headless authentication decided', {
          user: user.name,
          id,
          state: HeadlessAuthenticationState[state],
        });
        return {};
      },
    ),
  };
}
