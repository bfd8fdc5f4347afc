// Filesystem helpers for the key store: atomic writes and a cross-process lock.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DIR_MODE = 0o700;
export const KEY_FILE_MODE = 0o600;

/** mkdir -p with the given mode; existing directories keep their mode. */
export function ensureDir(dir: string, mode = DIR_MODE): void {
  fs.mkdirSync(dir, { recursive: true, mode });
}

/**
 * Write a file so readers never see a torn version: write a temp file in the same
 * directory, fsync it, then rename over the target (rename is atomic on POSIX).
 */
export function writeFileAtomic(file: string, data: string | Buffer, mode = KEY_FILE_MODE): void {
  ensureDir(path.dirname(file));
  const tmp = tempPathFor(file);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    // openSync's mode is filtered by the umask; set it explicitly.
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** `.<name>.<pid>.<8 hex>.tmp` beside `file`: the writer's pid lets a later run see it died. */
function tempPathFor(file: string): string {
  const nonce = process.getBuiltinModule('node:crypto').randomBytes(4).toString('hex');
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${nonce}.tmp`);
}

const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * Removes (zeroing first: they may hold private keys) the temp files of writers that died before
 * renaming them, in `root` and its subdirectories down to `maxDepth`. Temp files of live
 * processes are left alone; so is anything that is not a regular file. Returns how many went.
 */
export function removeStaleTempFiles(root: string, maxDepth = 4): number {
  let removed = 0;
  const visit = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < maxDepth) visit(full, depth + 1);
        continue;
      }
      const m = TEMP_FILE.exec(e.name);
      if (!m || !e.isFile()) continue;
      const pid = Number(m[1]);
      if (pid === process.pid || pidAlive(pid)) continue;
      if (removeFileSecure(full)) removed++;
    }
  };
  visit(root, 0);
  return removed;
}

export function readFileIfExists(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Overwrite with zeros before unlinking, as upstream's secure delete does for keys. */
export function removeFileSecure(file: string): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return false;
  }
  if (st.isFile() && st.size > 0) {
    try {
      fs.writeFileSync(file, Buffer.alloc(st.size));
    } catch {
      // best effort: still unlink below
    }
  }
  fs.rmSync(file, { force: true });
  return true;
}

const LOCK_STALE_MS = 30_000;
/** A lock file with no owner in it (written by something else, or torn) is stale this soon. */
const EMPTY_LOCK_STALE_MS = 2_000;
const LOCK_RETRY_MS = 15;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock's content if the lock is stale (dead owner or too old), else undefined. */
function staleLockContent(lockFile: string): string | undefined {
  try {
    const st = fs.statSync(lockFile);
    const content = fs.readFileSync(lockFile, 'utf8');
    const pid = Number.parseInt(content, 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !pidAlive(pid)) return content;
    const age = Date.now() - st.mtimeMs;
    return age > LOCK_STALE_MS || (content === '' && age > EMPTY_LOCK_STALE_MS) ? content : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Breaks a stale lock without racing another breaker: rename it aside (only one process
 * wins a rename), then check we moved the stale lock and not a fresh one taken meanwhile;
 * a fresh one is put back.
 */
function breakStaleLock(lockFile: string, staleContent: string, token: string): void {
  const aside = `${lockFile}.${token.replace(/\W/g, '')}.stale`;
  try {
    fs.renameSync(lockFile, aside);
  } catch {
    return; // someone else broke or released it
  }
  try {
    if (fs.readFileSync(aside, 'utf8') !== staleContent) {
      try {
        fs.linkSync(aside, lockFile);
      } catch {
        // a third process already holds a new lock; the one we moved was released by then
      }
    }
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/**
 * Creates `file` holding `content`, failing with EEXIST if it exists. The content is written to
 * a temp file first and hard-linked into place, so the file never exists without its owner's pid
 * (a process killed mid-write would otherwise leave an empty lock nobody can prove stale).
 */
function createWithContent(file: string, content: string): void {
  const tmp = tempPathFor(file);
  const fd = fs.openSync(tmp, 'wx', KEY_FILE_MODE);
  try {
    fs.writeSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw err;
    // No hard links here (some network and FAT file systems): create in place instead.
    const lfd = fs.openSync(file, 'wx', KEY_FILE_MODE);
    try {
      fs.writeSync(lfd, content);
    } finally {
      fs.closeSync(lfd);
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Run fn while holding an exclusive lock file (O_EXCL create). Node has no flock, so a
 * lock file with the owner's pid is used; a dead owner's lock is broken.
 */
export function withFileLock<T>(lockFile: string, fn: () => T, timeoutMs = 10_000): T {
  ensureDir(path.dirname(lockFile));
  const deadline = Date.now() + timeoutMs;
  // pid first (for the liveness check), then a nonce so release only removes our own lock.
  const token = `${process.pid} ${process.getBuiltinModule('node:crypto').randomBytes(8).toString('hex')}`;
  for (;;) {
    try {
      createWithContent(lockFile, token);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const stale = staleLockContent(lockFile);
      if (stale !== undefined) {
        breakStaleLock(lockFile, stale, token);
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for lock ${lockFile}; if no other tshjs is running, delete it`);
      }
      sleepSync(LOCK_RETRY_MS + Math.floor(Math.random() * LOCK_RETRY_MS));
    }
  }
  try {
    return fn();
  } finally {
    try {
      if (fs.readFileSync(lockFile, 'utf8') === token) fs.rmSync(lockFile, { force: true });
    } catch {
      // already gone
    }
  }
}
