// Atomic writes, secure delete and the cross-process lock file used by the key store.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIR_MODE,
  KEY_FILE_MODE,
  ensureDir,
  readFileIfExists,
  removeFileSecure,
  withFileLock,
  writeFileAtomic,
} from '../../../src/util/fsutil.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const DIST_FSUTIL = path.join(ROOT, 'dist/util/fsutil.js');
const SRC_FSUTIL = path.join(ROOT, 'src/util/fsutil.ts');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-fsutil-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const mode = (f: string) => fs.statSync(f).mode & 0o777;
let n = 0;
const newDir = () => {
  const d = path.join(tmp, `d${++n}`);
  fs.mkdirSync(d);
  return d;
};

function withUmask<T>(mask: number, fn: () => T): T {
  const old = process.umask(mask);
  try {
    return fn();
  } finally {
    process.umask(old);
  }
}

describe('writeFileAtomic', () => {
  it.each([
    ['077', 0o077, 0o644],
    ['022', 0o022, 0o660],
    ['000', 0o000, 0o600],
    ['277', 0o277, 0o640],
  ])('umask %s: file gets exactly the requested mode', (_name, umask, want) => {
    const d = newDir();
    const f = path.join(d, 'f');
    withUmask(umask, () => writeFileAtomic(f, 'x', want));
    expect(mode(f)).toBe(want);
    expect(fs.readdirSync(d)).toEqual(['f']);
  });

  it('defaults to 0600 and writes the exact bytes', () => {
    const d = newDir();
    const f = path.join(d, 'bin');
    const data = Buffer.from([0, 1, 2, 255, 10, 13, 0]);
    withUmask(0o000, () => writeFileAtomic(f, data));
    expect(KEY_FILE_MODE).toBe(0o600);
    expect(mode(f)).toBe(0o600);
    expect(fs.readFileSync(f)).toEqual(data);
    writeFileAtomic(f, 'héllo\n');
    expect(fs.readFileSync(f)).toEqual(Buffer.from('héllo\n', 'utf8'));
  });

  it('replaces an existing file (new inode, new mode) and leaves no temp files', () => {
    const d = newDir();
    const f = path.join(d, 'f');
    fs.writeFileSync(f, 'old contents that are longer', { mode: 0o666 });
    fs.chmodSync(f, 0o666);
    // A hard link keeps the old inode alive: a rename-based write leaves it untouched.
    fs.linkSync(f, path.join(d, 'old'));
    writeFileAtomic(f, 'new', 0o640);
    expect(fs.readFileSync(path.join(d, 'old'), 'utf8')).toBe('old contents that are longer');
    expect(mode(path.join(d, 'old'))).toBe(0o666);
    expect(fs.statSync(f).ino).not.toBe(fs.statSync(path.join(d, 'old')).ino);
    fs.rmSync(path.join(d, 'old'));
    for (let i = 0; i < 20; i++) writeFileAtomic(f, `v${i}`, 0o640);
    expect(fs.readFileSync(f, 'utf8')).toBe('v19');
    expect(mode(f)).toBe(0o640);
    expect(fs.readdirSync(d)).toEqual(['f']);
  });

  it('creates missing parent directories 0700', () => {
    const d = newDir();
    const f = path.join(d, 'a', 'b', 'f');
    withUmask(0o022, () => writeFileAtomic(f, 'x'));
    expect(DIR_MODE).toBe(0o700);
    expect(mode(path.join(d, 'a'))).toBe(0o700);
    expect(mode(path.join(d, 'a', 'b'))).toBe(0o700);
  });

  it('on failure removes its temp file and keeps the target', () => {
    const d = newDir();
    const target = path.join(d, 'target');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'inside'), 'keep');
    expect(() => writeFileAtomic(target, 'x')).toThrow();
    expect(fs.readdirSync(d)).toEqual(['target']);
    expect(fs.readFileSync(path.join(target, 'inside'), 'utf8')).toBe('keep');
  });
});

describe('ensureDir / readFileIfExists / removeFileSecure', () => {
  it('ensureDir creates 0700 and leaves an existing directory alone', () => {
    const d = path.join(newDir(), 'x', 'y');
    withUmask(0o022, () => ensureDir(d));
    expect(mode(d)).toBe(0o700);
    fs.chmodSync(d, 0o755);
    ensureDir(d);
    expect(mode(d)).toBe(0o755);
  });

  it('readFileIfExists: undefined only for a missing file', () => {
    const d = newDir();
    expect(readFileIfExists(path.join(d, 'missing'))).toBeUndefined();
    fs.writeFileSync(path.join(d, 'f'), 'abc');
    expect(readFileIfExists(path.join(d, 'f'))).toEqual(Buffer.from('abc'));
    expect(() => readFileIfExists(d)).toThrow(/EISDIR/);
  });

  it('removeFileSecure zeroes the data before unlinking', () => {
    const d = newDir();
    const f = path.join(d, 'key');
    const link = path.join(d, 'hardlink');
    fs.writeFileSync(f, 'SECRET KEY MATERIAL');
    fs.linkSync(f, link); // a second name for the same inode shows what was left on disk
    expect(removeFileSecure(f)).toBe(true);
    expect(fs.existsSync(f)).toBe(false);
    expect(fs.readFileSync(link)).toEqual(Buffer.alloc('SECRET KEY MATERIAL'.length));
    expect(removeFileSecure(f)).toBe(false);
  });

  it('removeFileSecure removes a symlink without touching its target', () => {
    const d = newDir();
    fs.writeFileSync(path.join(d, 'target'), 'keep me');
    fs.symlinkSync(path.join(d, 'target'), path.join(d, 'link'));
    expect(removeFileSecure(path.join(d, 'link'))).toBe(true);
    expect(fs.readdirSync(d)).toEqual(['target']);
    expect(fs.readFileSync(path.join(d, 'target'), 'utf8')).toBe('keep me');
  });
});

describe('withFileLock (in process)', () => {
  it('returns fn() and removes the lock file, also when fn throws', () => {
    const d = newDir();
    const lock = path.join(d, 'sub', '.lock');
    expect(
      withFileLock(lock, () => {
        expect(fs.readFileSync(lock, 'utf8')).toMatch(new RegExp(`^${process.pid} [0-9a-f]{16}$`));
        expect(mode(lock)).toBe(0o600);
        return 'value';
      }),
    ).toBe('value');
    expect(fs.existsSync(lock)).toBe(false);
    expect(() =>
      withFileLock(lock, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('breaks a stale lock whose owner pid is dead', () => {
    const d = newDir();
    const lock = path.join(d, '.lock');
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    expect(() => process.kill(dead, 0)).toThrow(); // gone
    fs.writeFileSync(lock, String(dead));
    const t0 = Date.now();
    expect(withFileLock(lock, () => fs.readFileSync(lock, 'utf8'), 5_000)).toMatch(
      new RegExp(`^${process.pid} [0-9a-f]{16}$`),
    );
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('on release removes only its own lock, never one another process took after breaking ours', () => {
    const d = newDir();
    const lock = path.join(d, '.lock');
    withFileLock(lock, () => {
      fs.writeFileSync(lock, '999999 someone-else');
    });
    expect(fs.readFileSync(lock, 'utf8')).toBe('999999 someone-else');
    expect(fs.readdirSync(d).filter((f) => f.endsWith('.stale'))).toEqual([]);
  });

  it('breaks a lock older than 30 s even if the pid is alive or unreadable', () => {
    const d = newDir();
    const lock = path.join(d, '.lock');
    const old = new Date(Date.now() - 60_000);
    for (const content of [String(process.ppid), '']) {
      fs.writeFileSync(lock, content);
      fs.utimesSync(lock, old, old);
      expect(withFileLock(lock, () => 'ok', 2_000)).toBe('ok');
      expect(fs.existsSync(lock)).toBe(false);
    }
  });

  it('waits for a live owner and times out with a clear message, leaving its lock alone', () => {
    const d = newDir();
    const lock = path.join(d, '.lock');
    for (const content of [String(process.ppid), '']) {
      fs.writeFileSync(lock, content);
      const t0 = Date.now();
      expect(() => withFileLock(lock, () => 'never', 150)).toThrow(
        `timed out waiting for lock ${lock}; if no other tshjs is running, delete it`,
      );
      expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
      expect(fs.readFileSync(lock, 'utf8')).toBe(content);
    }
  });
});

describe('withFileLock (across processes)', () => {
  beforeAll(() => {
    const stale =
      !fs.existsSync(DIST_FSUTIL) || fs.statSync(DIST_FSUTIL).mtimeMs < fs.statSync(SRC_FSUTIL).mtimeMs;
    if (stale) {
      // Emits even if other files have type errors; we only need dist/util/fsutil.js.
      spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'ignore' });
    }
    expect(fs.existsSync(DIST_FSUTIL), `${DIST_FSUTIL} (run npx tsc -p tsconfig.json)`).toBe(true);
  }, 120_000);

  // Each child takes the lock ROUNDS times; inside it appends "start", sleeps, appends "end".
  const CHILD = `
const fs = require('node:fs');
const [mod, lock, out, id, rounds] = process.argv.slice(1);
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
while (!fs.existsSync(out + '.go')) sleep(2);
import(mod).then(({ withFileLock }) => {
  for (let i = 0; i < Number(rounds); i++) {
    withFileLock(lock, () => {
      fs.appendFileSync(out, 'start ' + id + ' ' + i + '\\n');
      sleep(3);
      fs.appendFileSync(out, 'end ' + id + ' ' + i + '\\n');
    }, 30000);
  }
});
`;

  function runChild(args: string[]): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const p = spawn(process.execPath, ['-e', CHILD, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      p.on('error', reject);
      p.on('exit', (code) => resolve({ code, stderr }));
    });
  }

  it('5 processes never interleave inside the lock', async () => {
    const d = newDir();
    const lock = path.join(d, 'home', '.tshjs.lock');
    const out = path.join(d, 'log');
    const ROUNDS = 8;
    const children = Array.from({ length: 5 }, (_, id) =>
      runChild([pathToFileURL(DIST_FSUTIL).href, lock, out, String(id), String(ROUNDS)]),
    );
    // Release all children at once so they contend for the lock.
    await new Promise((r) => setTimeout(r, 300));
    fs.writeFileSync(`${out}.go`, '');
    const results = await Promise.all(children);
    for (const r of results) expect(r, r.stderr).toEqual({ code: 0, stderr: '' });

    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(5 * ROUNDS * 2);
    const seen = new Set<string>();
    for (let i = 0; i < lines.length; i += 2) {
      const m = /^start (\d+ \d+)$/.exec(lines[i]!);
      expect(m, `line ${i}: ${lines[i]}`).not.toBeNull();
      expect(lines[i + 1], `line ${i + 1}`).toBe(`end ${m![1]}`);
      seen.add(m![1]!);
    }
    expect(seen.size).toBe(5 * ROUNDS);
    expect(fs.existsSync(lock)).toBe(false);
  }, 60_000);
});
