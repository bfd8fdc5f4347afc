// Go encoding/json shapes of resources printed by `tsh ls/apps ls/db ls/kube ls --format=json`
// (docs/json-shapes.md).

import { describe, expect, it } from 'vitest';
import {
  appJSON,
  databaseJSON,
  kubeClusterJSON,
  metadataJSON,
  rotationJSON,
  serverJSON,
  windowsDesktopJSON,
} from '../../../src/output/resourcejson.js';
import {
  AppV3,
  DatabaseV3,
  KubernetesClusterV3,
  ServerV2,
  WindowsDesktopV3,
} from '../../../src/gen/teleport/legacy/types/types.js';

const j = (x: unknown): string => JSON.stringify(x, null, 2);

const ZERO_ROTATION = `{
      "current_id": "",
      "started": "0001-01-01T00:00:00Z",
      "last_rotated": "0001-01-01T00:00:00Z",
      "schedule": {
        "update_clients": "0001-01-01T00:00:00Z",
        "update_servers": "0001-01-01T00:00:00Z",
        "standby": "0001-01-01T00:00:00Z"
      }
    }`;

describe('helpers', () => {
  it('metadata omits namespace and empty optionals, sorts labels', () => {
    const m = { Name: 'n', Namespace: 'default', Description: '', Labels: { z: '1', a: '2' }, Revision: '' };
    expect(j(metadataJSON(m))).toBe(`{
  "name": "n",
  "labels": {
    "a": "2",
    "z": "1"
  }
}`);
    expect(j(metadataJSON(undefined))).toBe(`{
  "name": ""
}`);
  });

  it('rotation with content', () => {
    const r = rotationJSON({
      State: 'in_progress',
      Phase: 'init',
      Mode: 'manual',
      CurrentID: 'abc',
      Started: new Date(Date.UTC(2025, 5, 1)),
      GracePeriod: 30n * 3_600_000_000_000n,
      LastRotated: undefined,
      Schedule: undefined,
    });
    expect(Object.keys(r)).toEqual([
      'state',
      'phase',
      'mode',
      'current_id',
      'started',
      'grace_period',
      'last_rotated',
      'schedule',
    ]);
    expect(r.grace_period).toBe('30h0m0s');
  });
});

describe('serverJSON', () => {
  it('node with labels, expires, cmd labels (non-tunnel)', () => {
    const s = ServerV2.fromPartial({
      Kind: 'node',
      Version: 'v2',
      Metadata: {
        Name: 'uuid-1',
        Namespace: 'default',
        Labels: { env: 'prod', 'teleport.internal/resource-id': 'x' },
        Expires: new Date(Date.UTC(2025, 2, 4, 5, 6, 7, 500)),
        Revision: 'rev-1',
      },
      Spec: {
        Addr: '10.0.0.1:3022',
        Hostname: 'alpha',
        CmdLabels: { uptime: { Period: 60_000_000_000n, Command: ['uptime', '-p'], Result: 'up 1 day' } },
        Version: '17.0.0',
      },
    });
    // Round-trip through the wire so the object looks like a decoded one.
    const decoded = ServerV2.decode(ServerV2.encode(s).finish());
    expect(j(serverJSON(decoded))).toBe(`{
  "kind": "node",
  "version": "v2",
  "metadata": {
    "name": "uuid-1",
    "labels": {
      "env": "prod",
      "teleport.internal/resource-id": "x"
    },
    "expires": "2025-03-04T05:06:07.5Z",
    "revision": "rev-1"
  },
  "spec": {
    "addr": "10.0.0.1:3022",
    "hostname": "alpha",
    "cmd_labels": {
      "uptime": {
        "period": "1m0s",
        "command": [
          "uptime",
          "-p"
        ],
        "result": "up 1 day"
      }
    },
    "rotation": ${ZERO_ROTATION},
    "version": "17.0.0"
  }
}`);
  });

  it('tunnel node with public addrs, proxy ids, cloud metadata, sub_kind', () => {
    const s = ServerV2.fromPartial({
      Kind: 'node',
      SubKind: 'openssh-ec2-ice',
      Version: 'v2',
      Metadata: { Name: 'n2' },
      Spec: {
        Hostname: 'beta',
        UseTunnel: true,
        Version: '17.0.0',
        ProxyIDs: ['p1'],
        publicAddrs: ['beta.example.com:22'],
        CloudMetadata: { AWS: { AccountID: '123', InstanceID: 'i-1', Region: 'us-east-1' } },
        CmdLabels: { x: { Period: 0n, Command: [], Result: '' } },
      },
    });
    expect(j(serverJSON(s))).toBe(`{
  "kind": "node",
  "sub_kind": "openssh-ec2-ice",
  "version": "v2",
  "metadata": {
    "name": "n2"
  },
  "spec": {
    "addr": "",
    "hostname": "beta",
    "cmd_labels": {
      "x": {
        "period": "0s",
        "command": null,
        "result": ""
      }
    },
    "rotation": ${ZERO_ROTATION},
    "use_tunnel": true,
    "version": "17.0.0",
    "proxy_ids": [
      "p1"
    ],
    "public_addrs": [
      "beta.example.com:22"
    ],
    "cloud_metadata": {
      "aws": {
        "account_id": "123",
        "instance_id": "i-1",
        "region": "us-east-1"
      }
    }
  }
}`);
  });

  it('zero server', () => {
    expect(j(serverJSON(ServerV2.fromPartial({})))).toBe(`{
  "kind": "",
  "version": "",
  "metadata": {
    "name": ""
  },
  "spec": {
    "addr": "",
    "hostname": "",
    "rotation": ${ZERO_ROTATION},
    "version": ""
  }
}`);
  });
});

describe('appJSON', () => {
  it('app with public_addr and labels', () => {
    const a = AppV3.fromPartial({
      Kind: 'app',
      Version: 'v3',
      Metadata: { Name: 'grafana', Description: 'Grafana', Labels: { env: 'dev' } },
      Spec: {
        URI: 'http://localhost:3000',
        PublicAddr: 'grafana.example.com',
        TCPPorts: [{ Port: 80 }, { Port: 1000, EndPort: 2000 }],
        UserGroups: ['g1'],
      },
    });
    expect(j(appJSON(a))).toBe(`{
  "kind": "app",
  "version": "v3",
  "metadata": {
    "name": "grafana",
    "description": "Grafana",
    "labels": {
      "env": "dev"
    }
  },
  "spec": {
    "uri": "http://localhost:3000",
    "public_addr": "grafana.example.com",
    "insecure_skip_verify": false,
    "UserGroups": [
      "g1"
    ],
    "tcp_ports": [
      {
        "port": 80
      },
      {
        "port": 1000,
        "end_port": 2000
      }
    ]
  }
}`);
  });

  it('app without public_addr, insecure', () => {
    const a = AppV3.fromPartial({
      Kind: 'app',
      SubKind: '',
      Version: 'v3',
      Metadata: { Name: 'dumper' },
      Spec: { URI: 'http://dumper:8080', InsecureSkipVerify: true, Cloud: 'AWS', Integration: 'int' },
    });
    expect(j(appJSON(a))).toBe(`{
  "kind": "app",
  "version": "v3",
  "metadata": {
    "name": "dumper"
  },
  "spec": {
    "uri": "http://dumper:8080",
    "insecure_skip_verify": true,
    "cloud": "AWS",
    "integration": "int"
  }
}`);
  });

  it('zero app', () => {
    expect(j(appJSON(AppV3.fromPartial({})))).toBe(`{
  "kind": "",
  "version": "",
  "metadata": {
    "name": ""
  },
  "spec": {
    "uri": "",
    "insecure_skip_verify": false
  }
}`);
  });
});

const ZERO_AWS = (indent: string): string =>
  `{
  "redshift": {},
  "rds": {
    "iam_auth": false
  },
  "elasticache": {},
  "secret_store": {},
  "memorydb": {},
  "rdsproxy": {},
  "redshift_serverless": {},
  "opensearch": {},
  "iam_policy_status": "IAM_POLICY_STATUS_UNSPECIFIED",
  "docdb": {}
}`.replace(/\n/g, `\n${indent}`);

describe('databaseJSON', () => {
  it('postgres with description and dynamic labels', () => {
    const d = DatabaseV3.fromPartial({
      Kind: 'db',
      Version: 'v3',
      Metadata: { Name: 'pg', Description: 'Example Postgres', Labels: { env: 'dev' } },
      Spec: {
        Protocol: 'postgres',
        URI: 'localhost:5432',
        DynamicLabels: { hn: { Period: 3_600_000_000_000n, Command: ['hostname'], Result: 'db1' } },
        AdminUser: { Name: 'teleport-admin' },
      },
      Status: { ManagedUsers: ['alice'] },
    });
    expect(j(databaseJSON(d))).toBe(`{
  "kind": "db",
  "version": "v3",
  "metadata": {
    "name": "pg",
    "description": "Example Postgres",
    "labels": {
      "env": "dev"
    }
  },
  "spec": {
    "protocol": "postgres",
    "uri": "localhost:5432",
    "dynamic_labels": {
      "hn": {
        "period": "1h0m0s",
        "command": [
          "hostname"
        ],
        "result": "db1"
      }
    },
    "aws": ${ZERO_AWS('    ')},
    "gcp": {},
    "azure": {
      "redis": {}
    },
    "tls": {
      "mode": 0
    },
    "ad": {
      "domain": "",
      "spn": ""
    },
    "mysql": {},
    "admin_user": {
      "name": "teleport-admin",
      "default_database": ""
    },
    "mongo_atlas": {},
    "oracle": {
      "audit_user": ""
    }
  },
  "status": {
    "aws": ${ZERO_AWS('    ')},
    "mysql": {},
    "managed_users": [
      "alice"
    ],
    "azure": {
      "redis": {}
    }
  }
}`);
  });

  it('zero database', () => {
    const out = databaseJSON(DatabaseV3.fromPartial({}));
    expect(Object.keys(out)).toEqual(['kind', 'version', 'metadata', 'spec', 'status']);
    expect(Object.keys(out.spec as object)).toEqual([
      'protocol',
      'uri',
      'aws',
      'gcp',
      'azure',
      'tls',
      'ad',
      'mysql',
      'mongo_atlas',
      'oracle',
    ]);
    expect(Object.keys(out.status as object)).toEqual(['aws', 'mysql', 'azure']);
  });
});

describe('kubeClusterJSON', () => {
  it('cluster with labels', () => {
    const k = KubernetesClusterV3.fromPartial({
      Kind: 'kube_cluster',
      Version: 'v3',
      Metadata: { Name: 'minikube', Labels: { env: 'local' } },
      Spec: { DynamicLabels: {}, Kubeconfig: Buffer.from('apiVersion: v1') },
    });
    expect(j(kubeClusterJSON(k))).toBe(`{
  "kind": "kube_cluster",
  "version": "v3",
  "metadata": {
    "name": "minikube",
    "labels": {
      "env": "local"
    }
  },
  "spec": {
    "kubeconfig": "YXBpVmVyc2lvbjogdjE=",
    "azure": {},
    "aws": {},
    "gcp": {}
  }
}`);
  });

  it('zero cluster', () => {
    expect(j(kubeClusterJSON(KubernetesClusterV3.fromPartial({})))).toBe(`{
  "kind": "",
  "version": "",
  "metadata": {
    "name": ""
  },
  "spec": {
    "azure": {},
    "aws": {},
    "gcp": {}
  }
}`);
  });
});

describe('windowsDesktopJSON', () => {
  it('desktop flattens the header', () => {
    const w = WindowsDesktopV3.fromPartial({
      Header: {
        Kind: 'windows_desktop',
        Version: 'v3',
        Metadata: { Name: 'win1', Labels: { os: 'windows' } },
      },
      Spec: {
        Addr: '10.0.0.5:3389',
        Domain: 'example.com',
        HostID: 'host-1',
        ScreenSize: { Width: 1920, Height: 1080 },
      },
    });
    expect(j(windowsDesktopJSON(w))).toBe(`{
  "kind": "windows_desktop",
  "version": "v3",
  "metadata": {
    "name": "win1",
    "labels": {
      "os": "windows"
    }
  },
  "spec": {
    "addr": "10.0.0.5:3389",
    "domain": "example.com",
    "host_id": "host-1",
    "non_ad": false,
    "screen_size": {
      "width": 1920,
      "height": 1080
    }
  }
}`);
  });

  it('zero desktop (kind/version omitempty in ResourceHeader)', () => {
    expect(j(windowsDesktopJSON(WindowsDesktopV3.fromPartial({})))).toBe(`{
  "metadata": {
    "name": ""
  },
  "spec": {
    "addr": "",
    "domain": "",
    "host_id": "",
    "non_ad": false
  }
}`);
  });
});
