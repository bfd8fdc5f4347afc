// Which kube clusters `proxy kube NAME…` / --labels / --query select (tool/tsh/common/kube.go).
import { describe, expect, it } from 'vitest';
import type { KubernetesClusterV3 } from '../../../src/gen/teleport/legacy/types/types.js';
import { kubeClusterNames } from '../../../src/proxy/kubeselect.js';

const kube = (name: string, labels: Record<string, string> = {}) =>
  ({ Metadata: { Name: name, Labels: labels } }) as unknown as KubernetesClusterV3;
const none = { cluster: '', labels: '', query: '' };

describe('proxy kube cluster selection', () => {
  const found = [
    kube('dev'),
    kube('dev'), // one per kube server: deduplicated
    kube('eks-a-123', { 'teleport.internal/discovered-name': 'eks' }),
    kube('eks-b-456', { 'teleport.internal/discovered-name': 'eks' }),
    kube('gke-1', { 'teleport.internal/discovered-name': 'gke' }),
  ];

  it('matches exact names first, then discovered names', () => {
    expect(kubeClusterNames(found, ['dev', 'gke', 'dev'], none)).toEqual(['dev', 'gke-1']);
  });

  it('with no names, every cluster the labels/query selected', () => {
    expect(kubeClusterNames(found, [], { ...none, labels: 'env=x' })).toEqual([
      'dev',
      'eks-a-123',
      'eks-b-456',
      'gke-1',
    ]);
  });

  it('refuses unknown and ambiguous names as tsh words them', () => {
    expect(() => kubeClusterNames(found, ['nope'], none)).toThrow(
      `kubernetes cluster "nope" not found, check 'tsh kube ls' for a list of known clusters`,
    );
    expect(() => kubeClusterNames([], [], { ...none, cluster: 'leaf', labels: 'env=prod' })).toThrow(
      `kubernetes cluster with labels "env=prod" not found, check 'tsh kube ls --cluster=leaf' for a list of known clusters`,
    );
    expect(() => kubeClusterNames(found, ['eks'], none)).toThrow(/matches multiple kubernetes clusters/);
  });
});
