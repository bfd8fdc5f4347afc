// The shared clipboard end to end: tshjs → dev cluster proxy → Windows Desktop Service (its RDP
// client on the cliprdr channel) → a real RDP server → the X clipboard, and back; the client's
// --clipboard policy each way, the role option desktop_clipboard, the audit events in the
// recording, --idle-timeout and the refused directory sharing.
//
// The RDP server is xrdp in front of TigerVNC's Xvnc: FreeRDP 2's shadow server (the other
// desktop tests' server) joins the cliprdr channel but never speaks on it, while xrdp bridges
// CLIPRDR to VNC cut text and Xvnc that to the X CLIPBOARD selection, which xclip reads and sets.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/auth/totp.js';
import { TeleportClient } from '../../src/client/teleport.js';
import type { DevCluster } from '../../src/devcluster/server.js';
import type { OneOf } from '../../src/gen/teleport/legacy/types/events/events.js';
import { RecordingReader } from '../../src/recording/reader.js';
import { openDesktopSession } from '../../src/tdp/open.js';
import { runScript, type RunEvent } from '../../src/tdp/runner.js';
import { parseScript } from '../../src/tdp/script.js';
import { copyToXClipboard, readXClipboard, startXrdp } from '../helpers/rdp.js';
import { loginArgs, startCluster, tempHome, TOTP_SECRET, tshjs, type CliResult } from '../helpers/cluster.js';

const BINARIES = { Xvnc: '/usr/bin/Xvnc', xrdp: '/usr/sbin/xrdp', xclip: '/usr/bin/xclip' };
const missingBins = Object.entries(BINARIES)
  .filter(([, p]) => !fs.existsSync(p))
  .map(([n]) => n);
const missing =
  missingBins.length > 0
    ? `the clipboard tests need ${missingBins.join(', ')} (apt-get install -y xrdp tigervnc-standalone-server xclip)`
    : undefined;
if (missing) console.warn(`skipping the desktop clipboard tests: ${missing}`);

describe.skipIf(missing)('the desktop clipboard through the dev cluster to xrdp and the X clipboard', () => {
  let x: Awaited<ReturnType<typeof startXrdp>>;
  let cluster: DevCluster;
  let home: string;
  let bobHome: string;
  let dir: string;
  const copiers: ChildProcess[] = [];

  const xclipOut = (): string => readXClipboard(x.env);
  /** A copy in X: xclip owns the selection until the next owner takes it. */
  const xclipIn = (text: string) => {
    copiers.push(copyToXClipboard(x.env, text));
  };

  const run = (user: 'alice' | 'bob', flags: string[], script: string): Promise<CliResult> =>
    tshjs(['desktop', 'run', 'xrdp', '--login', user, ...flags, '-'], {
      home: user === 'alice' ? home : bobHome,
      stdin: script,
    });

  function oneLineError(r: CliResult): string {
    expect(r.code, r.stdout).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    return lines[0]!.replace(/^ERROR: /, '');
  }

  async function clipboardEvents(): Promise<OneOf[]> {
    const out: OneOf[] = [];
    for (const f of fs.readdirSync(cluster.recordingsDir).filter((n) => n.endsWith('.tar'))) {
      try {
        for await (const ev of new RecordingReader(
          fs.createReadStream(path.join(cluster.recordingsDir, f)),
        )) {
          const c = ev.Event?.$case;
          if (c === 'DesktopClipboardSend' || c === 'DesktopClipboardReceive') out.push(ev);
        }
      } catch {
        // a recording still being written
      }
    }
    return out;
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-clip-'));
    x = await startXrdp(dir);
    const desk = {
      logins: ['alice'],
      node_labels: {},
      windows_desktop_labels: { env: 'dev' },
      windows_desktop_logins: ['alice', 'bob'],
    };
    cluster = await startCluster({
      second_factor: 'otp',
      users: [
        { name: 'alice', password: 'alice-pw', totp_secret: TOTP_SECRET, roles: ['desk'] },
        { name: 'bob', password: 'bob-pw', totp_secret: TOTP_SECRET, roles: ['desk', 'no-clipboard'] },
      ],
      roles: [
        { name: 'desk', ...desk },
        { name: 'no-clipboard', logins: [], node_labels: {}, desktop_clipboard: false },
      ],
      desktops: [{ name: 'xrdp', addr: `127.0.0.1:${x.port}`, labels: { env: 'dev' }, rdp_password: 'x' }],
    });
    home = tempHome();
    bobHome = tempHome();
    for (const [h, user] of [
      [home, 'alice'],
      [bobHome, 'bob'],
    ] as const) {
      const r = await tshjs(loginArgs(cluster, user), {
        home: h,
        stdin: `${user}-pw\n${totp(TOTP_SECRET)}\n`,
      });
      expect(r.code, r.stderr).toBe(0);
    }
  }, 40_000);

  afterAll(async () => {
    for (const p of copiers) p.kill();
    await cluster?.stop();
    await x?.stop();
  });

  it('clipboard-set puts the text on the X clipboard', async () => {
    let seen = '';
    let running = true;
    const poll = (async () => {
      while (running && seen !== 'hello from tshjs\nsecond line') {
        seen = xclipOut();
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const r = await run('alice', ['-f', 'json'], 'clipboard-set "hello from tshjs\\nsecond line"\nwait 3s\n');
    running = false;
    await poll;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('{"event":"clipboard-set","line":1,"bytes":28}');
    expect(seen).toBe('hello from tshjs\nsecond line');
  }, 20_000);

  it('clipboard-get returns what was copied in X', async () => {
    const tc = new TeleportClient({ home });
    const s = await openDesktopSession({ client: tc, desktop: 'xrdp', login: 'alice' });
    try {
      expect(s.clipboardFromRemote).toBe(true);
      // A copy made before xrdp's clipboard channel is up is lost: copy until one comes through.
      for (let i = 0; ; i++) {
        xclipIn('copied in X');
        try {
          await s.waitForClipboard(2000, true);
          break;
        } catch (err) {
          if (i === 4) throw err;
        }
      }
      const events: RunEvent[] = [];
      await runScript(s, parseScript('clipboard-get 10s\n'), { onEvent: (e) => events.push(e) });
      expect(events).toEqual([{ event: 'clipboard', line: 1, text: 'copied in X' }]);
    } finally {
      await s.close();
      tc.close();
    }
  }, 20_000);

  it('--clipboard=to-remote drops what the desktop copies; the service still sent it', async () => {
    const receives = async () =>
      (await clipboardEvents()).filter((e) => e.Event?.$case === 'DesktopClipboardReceive').length;
    const before = await receives();
    const tc = new TeleportClient({ home });
    const s = await openDesktopSession({ client: tc, desktop: 'xrdp', login: 'alice' });
    s.applyPolicy({ clipboard: 'to-remote' });
    try {
      await expect(s.waitForClipboard(1000)).rejects.toThrow(
        'the clipboard from xrdp is off (--clipboard=to-remote)',
      );
      // Copies a second apart (one made before xrdp's clipboard channel is up is lost).
      for (let i = 0; i < 3; i++) {
        xclipIn(`not for tshjs ${i}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      await s.close();
      tc.close();
    }
    expect(s.remoteClipboard).toBeUndefined();
    // The copy did reach the service (its receive audit event, once the recording is closed).
    const until = Date.now() + 10_000;
    while ((await receives()) <= before && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(await receives()).toBeGreaterThan(before);
  }, 25_000);

  it('each direction is refused by the matching policy, and by the role option', async () => {
    expect(oneLineError(await run('alice', ['--clipboard=from-remote'], 'clipboard-set x\n'))).toBe(
      'stdin:1: the clipboard to xrdp is off (--clipboard=from-remote)',
    );
    expect(oneLineError(await run('alice', ['--clipboard', 'off'], 'clipboard-get\n'))).toBe(
      'stdin:1: the clipboard from xrdp is off (--clipboard=off)',
    );
    expect(oneLineError(await run('bob', [], 'clipboard-set x\n'))).toBe(
      'stdin:1: the desktop service does not share the clipboard of xrdp (the role option desktop_clipboard is false)',
    );
    expect(oneLineError(await run('alice', ['--clipboard=sideways'], 'clipboard-get\n'))).toMatch(
      /--clipboard|sideways/,
    );
  }, 30_000);

  it('records the clipboard audit events with the length, never the text', async () => {
    const until = Date.now() + 10_000;
    let events: OneOf[] = [];
    while (Date.now() < until) {
      events = await clipboardEvents();
      if (
        events.some((e) => e.Event?.$case === 'DesktopClipboardSend') &&
        events.some((e) => e.Event?.$case === 'DesktopClipboardReceive')
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const send = events.find((e) => e.Event?.$case === 'DesktopClipboardSend')!.Event!.value;
    expect(send).toMatchObject({
      Metadata: { Type: 'desktop.clipboard.send', Code: 'TDP02I', ClusterName: cluster.config.cluster_name },
      User: { User: 'alice' },
      DesktopAddr: `127.0.0.1:${x.port}`,
      Length: 28,
    });
    const receives = events.flatMap((e) =>
      e.Event?.$case === 'DesktopClipboardReceive' ? [e.Event.value] : [],
    );
    for (const r of receives) {
      expect(r).toMatchObject({
        Metadata: { Type: 'desktop.clipboard.receive', Code: 'TDP03I' },
        User: { User: 'alice' },
        DesktopAddr: `127.0.0.1:${x.port}`,
      });
    }
    expect(receives.map((r) => r.Length)).toContain(Buffer.byteLength('copied in X'));
  }, 20_000);

  it('--idle-timeout ends a session without input', async () => {
    expect(oneLineError(await run('alice', ['--idle-timeout', '1s'], 'wait 30s\n'))).toBe(
      'stdin:1: desktop session to xrdp ended: no input for 1s (idle timeout)',
    );
  }, 20_000);

  it('refuses directory sharing before connecting, and says so in --help', async () => {
    expect(oneLineError(await run('alice', ['--share-directory', dir], 'wait 1\n'))).toBe(
      `cannot share ${dir}: directory sharing is not supported by tshjs: no local directory is ever shared with a desktop`,
    );
    const help = await tshjs(['desktop', 'run', '--help'], { home });
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      'Refused: directory sharing is not supported by tshjs',
    );
  });
});
