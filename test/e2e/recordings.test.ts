// Session recordings from the cluster: tshjs recordings ls (GetSessionEvents, RBAC) and
// tshjs play <session id> (StreamSessionEvents), with sessions recorded by in-process nodes.
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevCluster } from '../../src/devcluster/server.js';
import { loginArgs, startCluster, tempHome, tshjs, tshjsProcess } from '../helpers/cluster.js';

describe('session recordings from the cluster', () => {
  let cluster: DevCluster;
  let alice: string;
  let bob: string;
  let auditor: string;
  const sids: string[] = [];

  async function record(cmd: string): Promise<string> {
    const before = new Set(fs.readdirSync(cluster.recordingsDir));
    const r = await tshjsProcess(['ssh', 'root@dev-1', cmd], { home: alice });
    expect(r.code).toBe(0);
    // The recording is closed right after the session; wait until it lists.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const file = fs.readdirSync(cluster.recordingsDir).find((f) => !before.has(f) && f.endsWith('.tar'));
      if (file) {
        const sid = file.replace(/\.tar$/, '');
        const ls = await tshjsProcess(['recordings', 'ls', '--format', 'json'], { home: alice });
        if (ls.code === 0 && ls.stdout.includes(sid)) return sid;
      }
      if (Date.now() > deadline) throw new Error('recording did not appear');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    cluster = await startCluster({
      users: [
        { name: 'alice', password: 'alice-pw', roles: ['access'] },
        { name: 'bob', password: 'bob-pw', roles: ['access'] },
        { name: 'auditor', password: 'auditor-pw', roles: ['access', 'auditor'] },
      ],
      roles: [
        { name: 'access', logins: ['root'], node_labels: { '*': '*' } },
        { name: 'auditor', logins: [], node_labels: {}, view_all_sessions: true },
      ],
      nodes: [{ name: 'dev-1', labels: { env: 'dev' } }],
    });
    alice = tempHome();
    bob = tempHome();
    auditor = tempHome();
    for (const [user, home] of [
      ['alice', alice],
      ['bob', bob],
      ['auditor', auditor],
    ] as const) {
      const r = await tshjs(loginArgs(cluster, user), { home, stdin: `${user}-pw\n` });
      expect(r.code).toBe(0);
    }
    sids.push(await record('echo first-session'));
    sids.push(await record('sleep 0.3; echo second-session'));
  });
  afterAll(async () => {
    await cluster.stop();
    for (const h of [alice, bob, auditor]) fs.rmSync(h, { recursive: true, force: true });
  });

  it('recordings ls (text): upstream columns, newest first', async () => {
    const r = await tshjsProcess(['recordings', 'ls'], { home: alice });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+Type\s+Participants\s+Target\s+Timestamp\s*$/);
    expect(lines[1]).toMatch(/^-+ -+ -+ -+ -+/);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(
      new RegExp(
        `^${sids[1]}\\s+ssh\\s+alice\\s+dev-1\\s+[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d UTC\\s*$`,
      ),
    );
    expect(lines[3].startsWith(sids[0])).toBe(true);
  });

  it('recordings ls (json): an indented array of session.end events; --limit', async () => {
    const r = await tshjsProcess(['recordings', 'ls', '--format', 'json'], { home: alice });
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('[\n    {\n        "ei": ')).toBe(true);
    const arr = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(arr.map((e) => e.sid)).toEqual([sids[1], sids[0]]);
    expect(arr.every((e) => e.event === 'session.end' && e.user === 'alice')).toBe(true);
    expect(arr[0].participants).toEqual(['alice']);

    const one = await tshjsProcess(['recordings', 'ls', '-f', 'json', '--limit', '1'], { home: alice });
    expect((JSON.parse(one.stdout) as unknown[]).length).toBe(1);
    const last = await tshjsProcess(['recordings', 'ls', '-f', 'json', '--last', '1h'], { home: alice });
    expect((JSON.parse(last.stdout) as unknown[]).length).toBe(2);
    const old = await tshjsProcess(
      ['recordings', 'ls', '-f', 'json', '--from-utc', '2020-01-01', '--to-utc', '2020-01-02'],
      { home: alice },
    );
    expect(JSON.parse(old.stdout)).toEqual([]);
  });

  it('RBAC: another user does not see them; view_all_sessions does', async () => {
    const r = await tshjsProcess(['recordings', 'ls', '-f', 'json'], { home: bob });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    const a = await tshjsProcess(['recordings', 'ls', '-f', 'json'], { home: auditor });
    expect((JSON.parse(a.stdout) as Array<{ sid: string }>).map((e) => e.sid)).toEqual([sids[1], sids[0]]);
    const play = await tshjsProcess(['play', sids[0], '--format', 'json'], { home: bob });
    expect(play.code).toBe(1);
    expect(play.stderr).toMatch(/^ERROR: .*access denied/);
  });

  it('recordings ls: --last with --from-utc is refused', async () => {
    const r = await tshjsProcess(['recordings', 'ls', '--last', '1h', '--from-utc', '2024-01-01'], {
      home: alice,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd()).toBe(
      "ERROR: use of 'since' is mutually exclusive with 'from-utc' and 'to-utc' flags",
    );
  });

  it('play <sid> --format json: one indented array, session.start first, no uid', async () => {
    const r = await tshjsProcess(['play', sids[0], '--format', 'json'], { home: alice });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('[\n    {\n        "ei": 0,\n        "event": "session.start",\n')).toBe(true);
    expect(r.stdout.endsWith('    }]\n')).toBe(true);
    const arr = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(arr[0].event).toBe('session.start');
    expect(arr[0].sid).toBe(sids[0]);
    expect(arr.at(-1)!.event).toBe('session.end');
    expect(arr.some((e) => e.event === 'print')).toBe(true);
    expect(arr.every((e) => !('uid' in e))).toBe(true);
    // The auditor may play anyone's session.
    const a = await tshjsProcess(['play', sids[0], '--format', 'json'], { home: auditor });
    expect(a.stdout).toBe(r.stdout);
  });

  it('play <sid> (text, --speed 8) replays the output', async () => {
    const r = await tshjsProcess(['play', sids[1], '--speed', '8'], { home: alice });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('second-session');
  });

  it('an unknown session id: one ERROR line, exit 1', async () => {
    const sid = '00000000-0000-4000-8000-000000000000';
    const r = await tshjsProcess(['play', sid], { home: alice });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(`ERROR: Recording for session ${sid} not found.`);
  });
  it('a session printing more than 64 KiB in one read is recorded whole, in print events under the record limit', async () => {
    const sid = await record('head -c 300000 /dev/zero | tr "\\0" x');
    const r = await tshjsProcess(['play', sid, '--format', 'json'], { home: alice });
    expect(r.code, r.stderr).toBe(0);
    const events = JSON.parse(r.stdout) as Array<{ event: string; bytes?: number }>;
    const prints = events.filter((e) => e.event === 'print');
    expect(prints.reduce((n, e) => n + (e.bytes ?? 0), 0)).toBe(300000);
    expect(Math.max(...prints.map((e) => e.bytes ?? 0))).toBeLessThanOrEqual(32 * 1024);
    expect(events[events.length - 1].event).toBe('session.end');
    // The cluster keeps serving.
    expect((await tshjsProcess(['ls'], { home: alice })).code).toBe(0);
  });
});
