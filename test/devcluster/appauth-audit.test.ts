import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuditLog } from '../../src/devcluster/audit/log.js';

describe('AuditLog', () => {
  it('keeps events in memory, filters by type and fills in time and uid', () => {
    const log = new AuditLog();
    const a = log.emit({ event: 'app_auth_config.verify.success', code: 'X1', user: 'alice' });
    log.emit({ event: 'app.session.start', code: 'T2007I' });
    expect(a.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(a.time).toISOString()).toBe(a.time);
    expect(log.list()).toHaveLength(2);
    expect(log.list({ event: 'app.session.start' }).map((e) => e.code)).toEqual(['T2007I']);
    expect(log.list({ event: ['app.session.start', 'app_auth_config.verify.success'] })).toHaveLength(2);
  });

  it('appends JSON lines to the file, creating its directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-'));
    try {
      const file = path.join(dir, 'log', 'events.log');
      const log = new AuditLog({ file });
      log.emit({ event: 'e1', code: 'C1', time: '2026-01-01T00:00:00.000Z', uid: 'u1' });
      log.emit({ event: 'e2', code: 'C2', success: false });
      const lines = fs
        .readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines[0]).toEqual({ event: 'e1', code: 'C1', time: '2026-01-01T00:00:00.000Z', uid: 'u1' });
      expect(lines[1]).toMatchObject({ event: 'e2', code: 'C2', success: false });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
