// The app session table: ids, expiry, owner-only deletion, one table per cluster.
import { describe, expect, it } from 'vitest';
import { AppSessionStore, appSessionStore } from '../../src/devcluster/apps/sessions.js';

const base = {
  user: 'alice',
  roles: ['access'],
  traits: {},
  appName: 'web',
  clusterName: 'c',
  publicAddr: 'web.c',
  uri: 'http://127.0.0.1:1',
  origin: 'cert' as const,
};

describe('AppSessionStore', () => {
  it('makes random 64-hex ids, keeps given ones, and forgets expired sessions', () => {
    const st = new AppSessionStore();
    const a = st.create({ ...base, expires: new Date(Date.now() + 60_000) });
    expect(a.id).toMatch(/^[0-9a-f]{64}$/);
    const b = st.create({
      ...base,
      id: 'f'.repeat(64),
      origin: 'jwt',
      expires: new Date(Date.now() + 60_000),
    });
    expect(st.get(b.id)).toBe(b);
    const old = st.create({ ...base, expires: new Date(Date.now() - 1) });
    expect(st.get(old.id)).toBeUndefined();
    expect(
      st
        .list()
        .map((s) => s.id)
        .sort(),
    ).toEqual([a.id, b.id].sort());
  });

  it('deletes a session only for its owner', () => {
    const st = new AppSessionStore();
    const a = st.create({ ...base, expires: new Date(Date.now() + 60_000) });
    expect(st.deleteOwned(a.id, 'bob')).toBe(false);
    expect(st.get(a.id)).toBe(a);
    expect(st.deleteOwned(a.id, 'alice')).toBe(true);
    expect(st.get(a.id)).toBeUndefined();
    expect(st.deleteOwned(a.id, 'alice')).toBe(false);
  });

  it('shares one table per cluster key', () => {
    const k1 = {};
    const k2 = {};
    expect(appSessionStore(k1)).toBe(appSessionStore(k1));
    expect(appSessionStore(k1)).not.toBe(appSessionStore(k2));
  });
});
