// The dev cluster's view of roles, users and nodes as a real cluster serves them: RoleV6 with both
// sides in the "default" namespace (RoleV6.CheckAndSetDefaults), deny rules from the config's `deny:`,
// nodes with sub_kind "teleport" and metadata.expires = last heartbeat (every minute) + 10 minutes
// (apidefaults.ServerKeepAliveTTL / ServerAnnounceTTL).
import { describe, expect, it } from 'vitest';
import { normalizeConfig } from '../../../src/devcluster/config.js';
import { roleAllows, roleResource, userResource } from '../../../src/devcluster/rbac.js';
import { Catalog } from '../../../src/devcluster/resources.js';

const cfg = normalizeConfig({
  users: [{ name: 'alice', password: 'pw', roles: ['r'], traits: { logins: ['alice'] } }],
  roles: [
    {
      name: 'r',
      logins: ['{{internal.logins}}'],
      node_labels: { '*': '*' },
      db_labels: { env: ['dev', 'prod'] },
      db_users: ['*'],
      max_session_ttl: '8h',
      deny: { db_users: ['root'], db_labels: { env: 'prod' } },
    },
  ],
  nodes: [{ name: 'n1' }, { name: 'n2', sub_kind: 'openssh' }],
});

describe('dev cluster roles and users', () => {
  it('RoleV6 (v7), traits not applied, deny side from `deny:`', () => {
    const r = roleResource(cfg.roles[0]);
    expect(r.Kind).toBe('role');
    expect(r.Version).toBe('v7');
    expect(r.Spec?.Options?.MaxSessionTTL).toBe(8n * 3600n * 1_000_000_000n);
    expect(r.Spec?.Allow?.Logins).toEqual(['{{internal.logins}}']);
    expect(r.Spec?.Allow?.Namespaces).toEqual(['default']);
    expect(r.Spec?.Allow?.DatabaseLabels?.Values).toEqual({ env: { Values: ['dev', 'prod'] } });
    expect(r.Spec?.Deny?.Namespaces).toEqual(['default']);
    expect(r.Spec?.Deny?.DatabaseUsers).toEqual(['root']);
    expect(r.Spec?.Deny?.DatabaseLabels?.Values).toEqual({ env: { Values: ['prod'] } });
  });

  it('UserV2 with roles and traits', () => {
    const u = userResource(cfg.users[0]);
    expect(u.Metadata?.Name).toBe('alice');
    expect(u.Spec?.Roles).toEqual(['r']);
    expect(u.Spec?.Traits?.Values).toEqual({ logins: { Values: ['alice'] } });
  });

  it('deny labels hide resources from listings (deny rules first)', () => {
    expect(roleAllows(cfg.roles, 'db_server', { env: 'dev' })).toBe(true);
    expect(roleAllows(cfg.roles, 'db_server', { env: 'prod' })).toBe(false);
  });
});

describe('dev cluster nodes', () => {
  it('sub_kind "teleport" unless configured; expires one announce TTL after the last heartbeat', () => {
    const catalog = new Catalog(cfg);
    const [n1, n2] = (catalog.get('node') ?? []).map((e) =>
      e.resource.resource?.$case === 'Node' ? e.resource.resource.value : undefined,
    );
    expect(n1?.SubKind).toBe('teleport');
    expect(n2?.SubKind).toBe('openssh');
    const start = n1!.Metadata!.Expires!.getTime() - 10 * 60_000;
    expect(Math.abs(start - Date.now())).toBeLessThan(5_000);
    catalog.heartbeat(start + 59_999);
    expect(n1!.Metadata!.Expires!.getTime()).toBe(start + 10 * 60_000);
    catalog.heartbeat(start + 2 * 60_000 + 5);
    expect(n1!.Metadata!.Expires!.getTime()).toBe(start + 12 * 60_000);
    expect(n2!.Metadata!.Expires!.getTime()).toBe(start + 12 * 60_000);
  });
});
