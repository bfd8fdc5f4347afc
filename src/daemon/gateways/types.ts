// What every running gateway (db or kube) offers the registry and the RPC handlers: the fields of
// the teleterm Gateway message, its CLI command, and the operations behind the gateway RPCs.
import type { GatewayCLICommand } from '../../gen/teleport/lib/teleterm/v1/gateway.js';

/** A gateway target: a database or Kubernetes cluster URI, parsed. */
export interface GatewayTarget {
  /** The target URI as the app sent it (…/dbs/<name> or …/kubes/<name>). */
  uri: string;
  kind: 'db' | 'kube';
  /** The database or kube cluster name. */
  name: string;
  /** The root or leaf cluster the target is in. */
  clusterUri: string;
  rootClusterUri: string;
}

export interface LiveGateway {
  /** /gateways/<uuid>; kept when the port changes. */
  readonly uri: string;
  readonly target: GatewayTarget;
  readonly targetUser: string;
  /** The database name for db gateways (only the CLI command uses it). */
  targetSubresourceName: string;
  /** The database protocol; empty for kube gateways (as upstream). */
  readonly protocol: string;
  /** Always "localhost", what upstream reports (the listener is on its IPv4 address). */
  readonly localAddress: string;
  /** The port actually listened on, as a string. */
  readonly localPort: string;
  /** The client command for this gateway as it is now (db name included). */
  cliCommand(): Promise<GatewayCLICommand>;
  /**
   * The same gateway on another port (undefined = any free one), under the same URI and with the
   * certificate in hand (no new one is issued). This gateway keeps running; the caller closes it.
   */
  withLocalPort(port: number | undefined): Promise<LiveGateway>;
  /** Forget the certificate in hand so that the next connection gets a fresh one (after AssumeRole). */
  clearCerts(): void;
  /** Stops listening and ends its connections. Once only: a second call is an error. */
  close(): Promise<void>;
}
