// TerminalService as one object: every handler module's part, each method wrapped so that it is
// logged (--debug: name and duration, never arguments) and so that whatever it throws reaches the
// app as a gRPC status (errors.ts). Methods no module implements answer UNIMPLEMENTED.
import {
  status,
  type handleBidiStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type sendUnaryData,
  type ServerUnaryCall,
  type UntypedHandleCall,
} from '@grpc/grpc-js';
import {
  TerminalServiceService,
  type TerminalServiceServer,
} from '../gen/teleport/lib/teleterm/v1/service.js';
import { accessRequestHandlers } from './accessrequests.js';
import { clusterHandlers } from './clusters.js';
import type { DaemonDeps } from './deps.js';
import { desktopHandlers } from './desktop.js';
import { toServiceError } from './errors.js';
import { gatewayHandlers } from './gateways/index.js';
import { loginHandlers } from './login.js';
import { resourceHandlers } from './resources.js';

type Impl = Record<string, UntypedHandleCall>;

function unimplemented(name: string, deps: DaemonDeps): UntypedHandleCall {
  const fn = (call: { emit?: unknown }, cb?: sendUnaryData<unknown>) => {
    const err = Object.assign(new Error(`${name} is not implemented by tshjs`), {
      code: status.UNIMPLEMENTED,
      details: `${name} is not implemented by tshjs`,
    });
    deps.log.rpc(name, 0, err);
    if (cb) cb(err);
    else (call as { emit(ev: string, e: unknown): void }).emit('error', err);
  };
  return fn as unknown as UntypedHandleCall;
}

function wrapUnary(name: string, deps: DaemonDeps, h: handleUnaryCall<unknown, unknown>) {
  return (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
    const start = performance.now();
    let done = false;
    const finish: sendUnaryData<unknown> = (err, value, trailer, flags) => {
      if (done) return;
      done = true;
      deps.log.rpc(name, performance.now() - start, err ?? undefined);
      if (err) {
        const se = toServiceError(err);
        cb(se, null, se.metadata, flags);
      } else cb(null, value, trailer, flags);
    };
    try {
      const r = h(call, finish) as unknown;
      // Handlers may be async and throw instead of calling back.
      if (r && typeof (r as Promise<unknown>).then === 'function')
        (r as Promise<unknown>).catch((e: unknown) => finish(e as Error));
    } catch (e) {
      finish(e as Error);
    }
  };
}

/** Streams: the duration is logged when the call closes; errors emitted are turned into statuses. */
function wrapStream(
  name: string,
  deps: DaemonDeps,
  h: handleServerStreamingCall<unknown, unknown> | handleBidiStreamingCall<unknown, unknown>,
) {
  return (call: Parameters<typeof h>[0]) => {
    const start = performance.now();
    let failure: unknown;
    const emit = call.emit.bind(call) as (ev: string | symbol, ...args: unknown[]) => boolean;
    (call as { emit: typeof emit }).emit = (ev, ...args) => {
      if (ev === 'error') {
        failure = args[0];
        return emit('error', toServiceError(args[0]));
      }
      return emit(ev, ...args);
    };
    call.once('close', () => deps.log.rpc(name, performance.now() - start, failure));
    try {
      const r = (h as (c: typeof call) => unknown)(call);
      if (r && typeof (r as Promise<unknown>).then === 'function')
        (r as Promise<unknown>).catch((e: unknown) => call.emit('error', e));
    } catch (e) {
      call.emit('error', e);
    }
  };
}

/** The TerminalService implementation: every handler module's part over the same deps. */
export function terminalService(
  deps: DaemonDeps,
  extra: Partial<TerminalServiceServer> = {},
): TerminalServiceServer {
  const parts: Partial<TerminalServiceServer> = {
    ...clusterHandlers(deps),
    ...loginHandlers(deps),
    ...resourceHandlers(deps),
    ...gatewayHandlers(deps),
    ...accessRequestHandlers(deps),
    ...desktopHandlers(deps),
    ...extra,
  };
  const impl: Impl = {};
  for (const [key, def] of Object.entries(TerminalServiceService)) {
    const name = def.path.slice(def.path.lastIndexOf('/') + 1);
    const h = (parts as Impl)[key];
    if (!h) impl[key] = unimplemented(name, deps);
    else if (!def.requestStream && !def.responseStream)
      impl[key] = wrapUnary(name, deps, h as handleUnaryCall<unknown, unknown>) as UntypedHandleCall;
    else
      impl[key] = wrapStream(name, deps, h as handleBidiStreamingCall<unknown, unknown>) as UntypedHandleCall;
  }
  return impl as unknown as TerminalServiceServer;
}
