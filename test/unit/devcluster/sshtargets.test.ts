import { describe, expect, it } from 'vitest';
import { nodeEntry } from '../../../src/devcluster/resources.js';
import { routesTo } from '../../../src/devcluster/sshtargets.js';

describe('GetSSHTargets route matching', () => {
  const direct = nodeEntry(
    { name: 'web', id: '6a3c0f52-0000-4000-8000-000000000001', addr: '10.0.0.5:3022' },
    '18.0.0',
  );
  const tunnel = nodeEntry({ name: 'edge', tunnel: true }, '18.0.0');

  it('routes by ID, hostname or address host', () => {
    expect(routesTo(direct, '6a3c0f52-0000-4000-8000-000000000001', '')).toBe(true);
    expect(routesTo(direct, 'web', '0')).toBe(true);
    expect(routesTo(direct, '10.0.0.5', '')).toBe(true);
    expect(routesTo(direct, 'db', '')).toBe(false);
  });

  it('a port must be the address port, except for tunnel nodes', () => {
    expect(routesTo(direct, 'web', '3022')).toBe(true);
    expect(routesTo(direct, 'web', '22')).toBe(false);
    expect(routesTo(direct, '10.0.0.5', '22')).toBe(false);
    expect(routesTo(tunnel, 'edge', '22')).toBe(true);
  });
});
