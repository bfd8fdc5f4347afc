// POST /webapi/headless/login on the dev cluster's proxy (lib/web headless login ->
// lib/auth authenticateHeadless): the request blocks until the user approves or denies it from a
// logged-in machine (tshjs headless approve -> the Auth service, ./grpc.ts), or the login timeout
// passes. An approved login gets MFA-verified certificates for one minute, bound to the client's IP
// (login-ip), as upstream. Every failure while waiting is upstream's one AccessDenied line.
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAuthorizedKey, parseSshPublicKeyBlob } from '../../auth/ssh/keys.js';
import { readJSON, replyJSON } from '../httpjson.js';
import type { WebContext } from '../web.js';
import { headlessAuthenticationId } from '../../wire/headlessid.js';
import { HEADLESS_CERT_TTL_MS, HeadlessWaitError, headlessStore } from './store.js';
import { loginResponse } from '../loginresponse.js';

/** lib/auth/methods.go: what a failed (denied, timed out, unknown) headless login answers, 403. */
export const MSG_HEADLESS_FAILED = 'headless authentication failed';
/** lib/client HeadlessLoginReq.CheckAndSetDefaults (400). */
export const MSG_MISSING_HEADLESS_ID = 'missing headless authentication id for headless login';

class Reply extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const str = (body: Record<string, unknown>, k: string) =>
  typeof body[k] === 'string' ? (body[k] as string) : '';

/** The keys of a headless login: both are required here (tsh always sends both). */
function publicKeys(body: Record<string, unknown>): {
  sshText: Buffer;
  tlsPem: Buffer;
  sshKey: KeyObject;
  tlsKey: KeyObject;
} {
  const sshText = Buffer.from(str(body, 'ssh_pub_key'), 'base64');
  const tlsPem = Buffer.from(str(body, 'tls_pub_key'), 'base64');
  if (!sshText.length && !tlsPem.length) throw new Reply(400, "'ssh_pub_key' or 'tls_pub_key' must be set");
  if (!sshText.length || !tlsPem.length)
    throw new Reply(400, 'headless login needs both ssh_pub_key and tls_pub_key');
  let sshKey: KeyObject;
  let tlsKey: KeyObject;
  try {
    sshKey = parseSshPublicKeyBlob(parseAuthorizedKey(sshText.toString('utf8')).blob).key;
  } catch (err) {
    throw new Reply(400, `failed to parse SSH public key: ${(err as Error).message}`);
  }
  try {
    tlsKey = createPublicKey(tlsPem.toString('utf8'));
  } catch (err) {
    throw new Reply(400, `failed to parse TLS public key: ${(err as Error).message}`);
  }
  return { sshText, tlsPem, sshKey, tlsKey };
}

/** Handles POST /webapi/headless/login (the web API routes it here after stripping /v1). */
export async function handleHeadlessLogin(
  ctx: WebContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    replyJSON(res, 200, await headlessLogin(ctx, req, res));
  } catch (err) {
    const e = err instanceof Reply ? err : new Reply(500, (err as Error).message ?? String(err));
    if (!res.headersSent && !res.destroyed) replyJSON(res, e.status, { error: { message: e.message } }, 4);
  }
}

async function headlessLogin(
  ctx: WebContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Record<string, unknown>> {
  const body = await readJSON(req, (m) => new Reply(400, m));
  const id = str(body, 'headless_id');
  if (!id) throw new Reply(400, MSG_MISSING_HEADLESS_ID);
  const keys = publicKeys(body);
  const username = str(body, 'user');
  const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const route = str(body, 'RouteToCluster');
  if (route && route !== ctx.cfg.cluster_name) throw new Reply(404, `cluster ${route} is not found`);
  // services.ValidateHeadlessAuthentication: the ID must be derived from the key, so nobody can
  // wait on someone else's request with their own key.
  if (id !== headlessAuthenticationId(keys.sshText)) {
    ctx.log('headless login refused', { user: username, reason: 'ID not derived from the SSH key' });
    throw new Reply(403, MSG_HEADLESS_FAILED);
  }
  const store = headlessStore(ctx.cfg);
  // The client going away (its timeout, Ctrl-C) ends the wait.
  const gone = new AbortController();
  res.on('close', () => gone.abort());
  ctx.log('headless login waiting', { user: username, id, ip });
  let approved;
  try {
    approved = await store.waitForDecision(
      { id, user: username, sshPublicKey: keys.sshText, tlsPublicKey: keys.tlsPem, clientIpAddress: ip },
      gone.signal,
    );
  } catch (err) {
    const reason = err instanceof HeadlessWaitError ? err.reason : (err as Error).message;
    ctx.log('headless login failed', { user: username, id, reason });
    throw new Reply(403, MSG_HEADLESS_FAILED);
  }
  const user = ctx.cfg.users.find((u) => u.name === approved.user);
  if (!user) throw new Reply(403, MSG_HEADLESS_FAILED);
  const compat = str(body, 'compatibility');
  const { response, expires } = await loginResponse(ctx, user, {
    sshKey: keys.sshKey,
    tlsKey: keys.tlsKey,
    // Whatever the client asked for: headless certificates live one minute.
    ttlMs: HEADLESS_CERT_TTL_MS,
    compatibility: compat,
    routeToCluster: route,
    kubernetesCluster: str(body, 'KubernetesCluster'),
    loginIp: ip,
    mfaVerified: approved.mfaDeviceId,
  });
  ctx.log('headless login approved', { user: user.name, id, expires: expires.toISOString() });
  return response;
}
