// teleport.presence.v1.PresenceService as the dev cluster serves it: the leaf clusters from
// the config (`leaf_clusters`), paged. Upstream requires read access to remote_cluster; every
// dev cluster user has it.
import {
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type {
  ListRemoteClustersRequest,
  ListRemoteClustersResponse,
  PresenceServiceServer,
} from '../gen/teleport/presence/v1/service.js';
import type { RemoteClusterV3 } from '../gen/teleport/legacy/types/types.js';
import type { DevClusterConfig } from './config.js';

export function remoteClusters(cfg: DevClusterConfig): RemoteClusterV3[] {
  return cfg.leaf_clusters
    .map((l) => ({
      Kind: 'remote_cluster',
      SubKind: '',
      Version: 'v3',
      Metadata: {
        Name: l.name,
        Namespace: 'default',
        Description: '',
        Labels: Object.fromEntries(Object.entries(l.labels ?? {}).map(([k, v]) => [k, String(v)])),
        Expires: undefined,
        Revision: '',
      },
      Status: { Connection: l.status === 'offline' ? 'offline' : 'online', LastHeartbeat: new Date() },
    }))
    .sort((a, b) => (a.Metadata.Name < b.Metadata.Name ? -1 : 1));
}

export function presenceService(cfg: DevClusterConfig): UntypedServiceImplementation {
  const impl: PresenceServiceServer = {
    listRemoteClusters: (
      call: ServerUnaryCall<ListRemoteClustersRequest, ListRemoteClustersResponse>,
      cb: sendUnaryData<ListRemoteClustersResponse>,
    ) => {
      if (!call.getAuthContext()?.sslPeerCertificate) {
        cb({ code: status.UNAUTHENTICATED, details: 'client certificate required' });
        return;
      }
      const all = remoteClusters(cfg);
      const size = call.request.pageSize > 0 ? call.request.pageSize : 1000;
      const start = call.request.pageToken
        ? all.findIndex((c) => c.Metadata!.Name >= call.request.pageToken)
        : 0;
      const from = start < 0 ? all.length : start;
      const page = all.slice(from, from + size);
      const next = all[from + size];
      cb(null, { remoteClusters: page, nextPageToken: next ? next.Metadata!.Name : '' });
    },
  };
  return impl;
}
