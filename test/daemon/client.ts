// An independent client for `tshjs daemon`: its own proto text (client/teleterm.proto, written from
// upstream's field numbers) loaded at test time with @grpc/proto-loader, dialing the daemon's unix
// socket with plain gRPC as Teleport Connect does. Nothing here imports the daemon's src/gen, so
// the tests catch a wrong field number or RPC name on either side. Also serves the app's half, a
// TshdEventsService, for the daemon's MFA prompts and re-login requests.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO = path.join(path.dirname(fileURLToPath(import.meta.url)), 'client/teleterm.proto');

// --- the messages the tests read (camelCase, as proto-loader gives them) ---------------------------

export interface Label {
  name: string;
  value: string;
}
export interface LoggedInUser {
  name: string;
  roles: string[];
  sshLogins: string[];
  activeRequests: string[];
  requestableRoles: string[];
  userType: string;
}
export interface Cluster {
  uri: string;
  name: string;
  proxyHost: string;
  connected: boolean;
  leaf: boolean;
  loggedInUser: LoggedInUser | null;
}
export interface WindowsDesktop {
  uri: string;
  name: string;
  addr: string;
  logins: string[];
  labels: Label[];
}
export interface PaginatedResource {
  resource?: 'database' | 'server' | 'kube' | 'app' | 'windowsDesktop';
  database?: { uri: string; name: string; protocol: string; type: string } | null;
  server?: { uri: string; name: string; hostname: string } | null;
  kube?: { uri: string; name: string } | null;
  app?: { uri: string; name: string } | null;
  windowsDesktop?: WindowsDesktop | null;
  requiresRequest: boolean;
}
export interface Gateway {
  uri: string;
  targetName: string;
  targetUri: string;
  targetUser: string;
  localAddress: string;
  localPort: string;
  protocol: string;
  targetSubresourceName: string;
  gatewayCliCommand: { path: string; args: string[]; env: string[]; preview: string } | null;
}
export interface AccessRequest {
  id: string;
  state: string;
  user: string;
  roles: string[];
  requestReason: string;
  suggestedReviewers: string[];
}
export interface ConnectToDesktopRequest {
  data?: Buffer;
  targetDesktop?: { desktopUri: string; login: string };
}
export interface PromptMfaRequest {
  reason: string;
  totp: boolean;
  webauthn: boolean;
  clusterUri: string;
}

/** The RPCs the tests call, with their request and response shapes. */
export interface Rpcs {
  UpdateTshdEventsServerAddress: [{ address: string }, object];
  ListRootClusters: [object, { clusters: Cluster[] }];
  AddCluster: [{ name: string }, Cluster];
  GetCluster: [{ clusterUri: string }, Cluster];
  Login: [
    {
      clusterUri: string;
      local?: { user: string; password: string; token?: string };
      sso?: { providerType: string; providerName: string };
    },
    object,
  ];
  Logout: [{ clusterUri: string; removeProfile?: boolean }, object];
  ListUnifiedResources: [
    {
      clusterUri: string;
      kinds?: string[];
      limit?: number;
      startKey?: string;
      search?: string;
      query?: string;
      sortBy?: { isDesc: boolean; field: string };
      searchAsRoles?: boolean;
      includeRequestable?: boolean;
    },
    { resources: PaginatedResource[]; nextKey: string },
  ];
  CreateGateway: [
    { targetUri: string; targetUser: string; localPort?: string; targetSubresourceName?: string },
    Gateway,
  ];
  ListGateways: [object, { gateways: Gateway[] }];
  RemoveGateway: [{ gatewayUri: string }, object];
  GetAccessRequests: [{ clusterUri: string }, { requests: AccessRequest[] }];
  CreateAccessRequest: [
    {
      rootClusterUri: string;
      reason?: string;
      roles: string[];
      suggestedReviewers?: string[];
      dryRun?: boolean;
    },
    { request: AccessRequest | null },
  ];
  AssumeRole: [{ rootClusterUri: string; accessRequestIds: string[]; dropRequestIds?: string[] }, object];
}

/** A failed call: the gRPC status code, its message and trailers. */
export type RpcError = grpc.ServiceError;

let loaded: grpc.GrpcObject | undefined;

function teleterm(): grpc.GrpcObject {
  loaded ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(PROTO, {
      keepCase: false,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    }),
  );
  const pkg = (((loaded.teleport as grpc.GrpcObject).lib as grpc.GrpcObject).teleterm as grpc.GrpcObject)
    .v1 as grpc.GrpcObject;
  return pkg;
}

type Method = (
  req: unknown,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => grpc.ClientUnaryCall;

export class DaemonClient {
  private readonly client: grpc.Client;
  /** Trailers of the last call of each RPC (e.g. is-resolvable-with-relogin). */
  readonly trailers = new Map<string, grpc.Metadata>();

  /** `socket`: the path of the daemon's unix socket (it was started with --addr unix://<socket>). */
  constructor(socket: string) {
    const Ctor = teleterm().TerminalService as grpc.ServiceClientConstructor;
    this.client = new Ctor(`unix://${socket}`, grpc.credentials.createInsecure());
  }

  call<K extends keyof Rpcs>(rpc: K, req: Rpcs[K][0], timeoutMs = 30_000): Promise<Rpcs[K][1]> {
    const method = (this.client as unknown as Record<string, Method>)[rpc]!.bind(this.client);
    return new Promise((resolve, reject) => {
      const call = method(req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(err);
        else resolve(res as Rpcs[K][1]);
      });
      call.on('status', (s: grpc.StatusObject) => this.trailers.set(rpc, s.metadata));
    });
  }

  /** The ConnectToDesktop bidi stream (write the target first, then TDP messages in `data`). */
  connectToDesktop(): grpc.ClientDuplexStream<ConnectToDesktopRequest, { data: Buffer }> {
    const c = this.client as unknown as {
      ConnectToDesktop(): grpc.ClientDuplexStream<ConnectToDesktopRequest, { data: Buffer }>;
    };
    return c.ConnectToDesktop();
  }

  close(): void {
    this.client.close();
  }
}

export interface EventsHandlers {
  /** Answers a PromptMFA call: the TOTP code, or an error (e.g. Aborted when the user closes the modal). */
  promptMfa?: (req: PromptMfaRequest) => Promise<string>;
  relogin?: (req: { rootClusterUri: string }) => Promise<void>;
}

export interface EventsServer {
  /** What to give UpdateTshdEventsServerAddress. */
  address: string;
  /** Every call received, in order (RPC name and request). */
  calls: { rpc: string; req: unknown }[];
  close(): Promise<void>;
}

/** The app's TshdEventsService on a unix socket. */
export async function startEventsServer(socket: string, h: EventsHandlers = {}): Promise<EventsServer> {
  const service = (teleterm().TshdEventsService as grpc.ServiceClientConstructor).service;
  const calls: { rpc: string; req: unknown }[] = [];
  const unary =
    <Req>(rpc: string, fn: (req: Req) => Promise<object>): grpc.handleUnaryCall<Req, object> =>
    (call, cb) => {
      calls.push({ rpc, req: call.request });
      fn(call.request).then(
        (res) => cb(null, res),
        (err: Error & { code?: number }) =>
          cb({ code: err.code ?? grpc.status.UNKNOWN, details: err.message } as grpc.ServiceError),
      );
    };
  const server = new grpc.Server();
  server.addService(service, {
    PromptMFA: unary<PromptMfaRequest>('PromptMFA', async (req) => {
      if (!h.promptMfa) throw Object.assign(new Error('no MFA device here'), { code: grpc.status.ABORTED });
      return { totpCode: await h.promptMfa(req) };
    }),
    Relogin: unary<{ rootClusterUri: string }>('Relogin', async (req) => {
      await h.relogin?.(req);
      return {};
    }),
    SendNotification: unary('SendNotification', async () => ({})),
  });
  const address = `unix://${socket}`;
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return {
    address,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000).unref();
      }),
  };
}
