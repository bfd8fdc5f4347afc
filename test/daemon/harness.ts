// TTCORE's test harness: a real DaemonServer in this process on a unix socket in a fresh 0700
// directory, and a TerminalService client (the daemon's own generated stubs) dialing it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { DaemonServer } from '../../src/daemon/server.js';
import { createDaemonLog } from '../../src/daemon/log.js';
import {
  TerminalServiceClient,
  TerminalServiceService,
} from '../../src/gen/teleport/lib/teleterm/v1/service.js';

export interface TestDaemon {
  server: DaemonServer;
  client: TerminalServiceClient;
  socket: string;
  /** Everything the daemon logged. */
  logs: string[];
  /** A unary RPC by its client method name, as a promise (rejects with the ServiceError). */
  call<Res>(method: keyof TerminalServiceClient, req: object): Promise<Res>;
  /** Like call, also resolving the trailers of a failure. */
  callFull<Res>(method: keyof TerminalServiceClient, req: object): Promise<{ res?: Res; err?: ServiceError }>;
  close(): Promise<void>;
}

export function socketDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-daemon-'));
}

export async function startDaemon(
  home: string,
  o: { debug?: boolean; env?: NodeJS.ProcessEnv; dir?: string } = {},
): Promise<TestDaemon> {
  const dir = o.dir ?? socketDir();
  const socket = path.join(dir, 'tshd.sock');
  const logs: string[] = [];
  const server = await DaemonServer.start({
    addr: `unix://${socket}`,
    home,
    env: { TELEPORT_HOME: home, ...o.env },
    insecure: true,
    debug: o.debug ?? true,
    log: createDaemonLog({ debug: o.debug ?? true, write: (l) => void logs.push(l) }),
    stdout: () => {},
    handleSignals: false,
    watchParent: false,
  });
  const client = new TerminalServiceClient(`unix://${socket}`, credentials.createInsecure());
  const callFull = <Res>(method: keyof TerminalServiceClient, req: object) =>
    new Promise<{ res?: Res; err?: ServiceError }>((resolve) => {
      const fn = client[method] as unknown as (
        r: object,
        md: Metadata,
        cb: (err: ServiceError | null, res: Res) => void,
      ) => void;
      // ts-proto encoders want every top-level field: start from the message's defaults.
      const def = (TerminalServiceService as Record<string, { requestDeserialize(b: Buffer): object }>)[
        method
      ];
      const full = { ...def.requestDeserialize(Buffer.alloc(0)), ...req };
      fn.call(client, full, new Metadata(), (err, res) => resolve(err ? { err } : { res }));
    });
  return {
    server,
    client,
    socket,
    logs,
    callFull,
    call: async <Res>(method: keyof TerminalServiceClient, req: object) => {
      const { res, err } = await callFull<Res>(method, req);
      if (err) throw err;
      return res as Res;
    },
    close: async () => {
      client.close();
      await server.stop();
    },
  };
}
