// tshjs play on a real terminal (tmux): arrow keys seek, q quits, the terminal is restored.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OneOf } from '../../src/gen/teleport/legacy/types/events/events.js';
import { RecordingWriter } from '../../src/recording/writer.js';
import { REPO, tempHome } from '../helpers/cluster.js';

const TMUX = ['/usr/bin/tmux', '/usr/local/bin/tmux'].find((p) => fs.existsSync(p));
const tmux = (...args: string[]) =>
  execFileSync(TMUX!, ['-L', 'tshjs-play-test', ...args], { encoding: 'utf8' });

async function waitFor(re: RegExp, ms = 10_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = tmux('capture-pane', '-p', '-t', 'play');
    if (re.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function print(i: number, ms: number, text: string): OneOf {
  return {
    Event: {
      $case: 'SessionPrint',
      value: {
        Metadata: {
          Index: BigInt(i),
          Type: 'print',
          ID: '',
          Code: '',
          Time: new Date(Date.UTC(2026, 0, 1) + ms),
          ClusterName: 'c',
        },
        ChunkIndex: BigInt(i),
        Data: Buffer.from(text),
        Bytes: BigInt(text.length),
        DelayMilliseconds: BigInt(ms),
        Offset: 0n,
      },
    },
  } as OneOf;
}

describe.skipIf(!TMUX)('play controls on a terminal', () => {
  const dir = tempHome('tshjs-play-tty-');
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {
      // gone
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('right arrow seeks forward, q quits, the terminal mode is restored', async () => {
    const file = path.join(dir, 'session.tar');
    const out = fs.createWriteStream(file);
    const w = new RecordingWriter(out);
    await w.write(print(0, 0, 'first-frame\r\n'));
    await w.write(print(1, 30_000, 'after-thirty-seconds\r\n'));
    await w.write(print(2, 600_000, 'after-ten-minutes\r\n'));
    await w.close();
    await new Promise<void>((r) => out.end(() => r()));
    const script = path.join(dir, 'run.sh');
    fs.writeFileSync(
      script,
      `#!/bin/sh\n'${process.execPath}' '${REPO}/bin/tshjs.js' play '${file}'\necho "exit=$?"\nstty -a | tr ' ' '\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' '\necho\nsleep 30\n`,
      { mode: 0o755 },
    );
    tmux('new-session', '-d', '-s', 'play', '-x', '100', '-y', '30', script);
    await waitFor(/first-frame/);
    for (let i = 0; i < 3; i++) tmux('send-keys', '-t', 'play', 'Right');
    // Without the seek this would take 30 s.
    await waitFor(/after-thirty-seconds/, 8_000);
    tmux('send-keys', '-t', 'play', 'q');
    const after = await waitFor(/icanon/);
    expect(after).toContain('exit=0');
    expect(after).not.toContain('after-ten-minutes');
    expect(after).toMatch(/(^|\s)icanon(\s|$)/m);
    expect(after).toMatch(/(^|\s)echo(\s|$)/m);
  });
});
