// The ResourceID string codec (upstream api/types/resource_ids.go): both directions, the
// Kubernetes sub-resource split, legacy kinds rewritten, and the exact error texts.
import { describe, expect, it } from 'vitest';
import {
  resourceIDFromString,
  resourceIDToString,
  resourceIDsFromStrings,
  resourceIDsToString,
} from '../../../../src/client/resourceid.js';

const id = (ClusterName: string, Kind: string, Name: string, SubResourceName = '') => ({
  ClusterName,
  Kind,
  Name,
  SubResourceName,
});

describe('ResourceID strings', () => {
  it('formats /cluster/kind/name and adds the sub-resource', () => {
    expect(resourceIDToString(id('c', 'node', 'uuid1'))).toBe('/c/node/uuid1');
    expect(resourceIDToString(id('c', 'kube:ns:pods', 'k8s', 'default/nginx'))).toBe(
      '/c/kube:ns:pods/k8s/default/nginx',
    );
  });

  it('parses what it formats', () => {
    for (const s of [
      '/c/node/uuid1',
      '/c/db/pg',
      '/c/app/grafana',
      '/c/kube_cluster/k',
      '/c/windows_desktop/w',
    ]) {
      expect(resourceIDToString(resourceIDFromString(s))).toBe(s);
    }
    expect(resourceIDFromString('/c/node/a/b')).toEqual(id('c', 'node', 'a/b'));
  });

  it('splits Kubernetes names: two segments namespaced, one cluster-wide', () => {
    expect(resourceIDFromString('/c/kube:ns:pods/my/kube/default/nginx')).toEqual(
      id('c', 'kube:ns:pods', 'my/kube', 'default/nginx'),
    );
    expect(resourceIDFromString('/c/namespace/k8s/prod')).toEqual(id('c', 'namespace', 'k8s', 'prod'));
    expect(resourceIDFromString('/c/kube:cw:clusterroles.rbac.authorization.k8s.io/k8s/admin')).toEqual(
      id('c', 'kube:cw:clusterroles.rbac.authorization.k8s.io', 'k8s', 'admin'),
    );
  });

  it('rewrites the legacy pod kind to kube:ns:pods', () => {
    expect(resourceIDFromString('/c/pod/k8s/default/nginx')).toEqual(
      id('c', 'kube:ns:pods', 'k8s', 'default/nginx'),
    );
  });

  it('refuses malformed strings with upstream messages', () => {
    expect(() => resourceIDFromString('c/node/x')).toThrow('c/node/x is not a valid ResourceID string');
    expect(() => resourceIDFromString('')).toThrow(' is not a valid ResourceID string');
    expect(() => resourceIDFromString('/c/node')).toThrow('/c/node is not a valid ResourceID string');
    expect(() => resourceIDFromString('/c/nodes/x')).toThrow(
      'Resource kind "nodes" is invalid or unsupported',
    );
    expect(() => resourceIDFromString('/c//x')).toThrow('ResourceID must include Kind');
    expect(() => resourceIDFromString('//node/x')).toThrow('ResourceID must include ClusterName');
    expect(() => resourceIDFromString('/c/node/')).toThrow('ResourceID must include Name');
    expect(() => resourceIDFromString('/c/kube:ns:pods/k8s')).toThrow(
      'resource of kind "kube:ns:pods" must include a subresource name',
    );
    expect(() => resourceIDFromString('/c/kube:ns:pods/k8s/nginx')).toThrow(
      'resource of kind "kube:ns:pods" must include a subresource name',
    );
  });

  it('lists as compact JSON with Go escaping, "" for none', () => {
    expect(resourceIDsToString([])).toBe('');
    expect(resourceIDsToString(undefined)).toBe('');
    expect(resourceIDsToString(resourceIDsFromStrings(['/c/node/a', '/c/app/<x>&']))).toBe(
      '["/c/node/a","/c/app/\\u003cx\\u003e\\u0026"]',
    );
  });
});
