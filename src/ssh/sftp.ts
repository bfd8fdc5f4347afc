// The transfer core of `tshjs scp`: like tsh v15+, files move over SFTP (the `sftp` subsystem),
// not the legacy scp protocol. Uploads and downloads stream in fixed-size chunks with a bounded
// number of requests in flight (constant memory), recurse with -r, keep times and mode with -p,
// and fail with one clear line naming the path.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import type { Client, InputAttributes, SFTPWrapper, Stats } from 'ssh2';
import type { TeleportClient } from '../client/teleport.js';
import { TshError } from '../util/errors.js';
import { connectNode, withNode, type NodeTarget } from './session.js';

/** Bytes per SFTP READ/WRITE (below every server's packet limit). */
const CHUNK = 32 * 1024;
/** Requests in flight per file: CHUNK × WINDOW bytes of memory at most. */
const WINDOW = 32;

const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

export interface TransferOptions {
  recursive?: boolean;
  preserve?: boolean;
  /** Progress lines go here, when it is a TTY and not quiet. */
  stderr?: Writable & { isTTY?: boolean };
  quiet?: boolean;
  /** How remote paths are shown in messages (default "host:path" with host ""). */
  host?: string;
}

/** Opens the SFTP subsystem on a connected client. */
export function openSftp(client: Client, host: string): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    client.sftp((err, sftp) =>
      err
        ? reject(new TshError(`${host} does not support SFTP: ${err.message}`, 'connection-problem'))
        : resolve(sftp),
    );
  });
}

// ---- progress ---------------------------------------------------------------------------------

function formatRate(bytesPerSec: number): string {
  const units = ['B/s', 'kB/s', 'MB/s', 'GB/s'];
  let v = bytesPerSec;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** One `name  42%  1.2 MB/s` line per file, redrawn in place on a TTY; nothing otherwise. */
class Progress {
  private name = '';
  private total = 0;
  private done = 0;
  private started = 0;
  private lastDraw = 0;

  constructor(private readonly out?: Writable & { isTTY?: boolean }) {}

  start(name: string, total: number): void {
    if (!this.out) return;
    this.name = name;
    this.total = total;
    this.done = 0;
    this.started = Date.now();
    this.lastDraw = 0;
    this.draw(false);
  }

  add(n: number): void {
    if (!this.out) return;
    this.done += n;
    if (Date.now() - this.lastDraw >= 100) this.draw(false);
  }

  finish(): void {
    if (this.out) this.draw(true);
  }

  private draw(final: boolean): void {
    const now = Date.now();
    this.lastDraw = now;
    const pct = this.total > 0 ? Math.min(100, Math.floor((this.done / this.total) * 100)) : final ? 100 : 0;
    const secs = Math.max((now - this.started) / 1000, 0.001);
    const line = `${this.name}  ${pct}%  ${formatRate(this.done / secs)}`;
    this.out!.write(`\r\x1b[K${line}${final ? '\n' : ''}`);
  }
}

// ---- errors -----------------------------------------------------------------------------------

function remoteError(err: unknown, shown: string): TshError {
  const e = err as Error & { code?: number | string };
  if (e instanceof TshError) return e;
  if (e.code === SFTP_NO_SUCH_FILE) return new TshError(`no such file: ${shown}`, 'not-found');
  if (e.code === SFTP_PERMISSION_DENIED) return new TshError(`permission denied: ${shown}`, 'access-denied');
  return new TshError(`${shown}: ${e.message}`, 'connection-problem');
}

function localError(err: unknown, shown: string): TshError {
  const e = err as NodeJS.ErrnoException;
  if (e instanceof TshError) return e;
  switch (e.code) {
    case 'ENOENT':
      return new TshError(`no such file: ${shown}`, 'not-found');
    case 'EACCES':
    case 'EPERM':
      return new TshError(`permission denied: ${shown}`, 'access-denied');
    case 'ENOTDIR':
      return new TshError(`${shown}: not a directory`, 'bad-parameter');
    case 'EISDIR':
      return new TshError(`${shown}: is a directory`, 'bad-parameter');
    default:
      return new TshError(`${shown}: ${e.message}`);
  }
}

// ---- promisified SFTP calls -------------------------------------------------------------------

function call<T>(fn: (cb: (err: Error | undefined | null, v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
}

const sftpOps = (sftp: SFTPWrapper) => ({
  realpath: (p: string) => call<string>((cb) => sftp.realpath(p, cb)),
  stat: (p: string) => call<Stats>((cb) => sftp.stat(p, cb)),
  statOrUndefined: (p: string) =>
    call<Stats>((cb) => sftp.stat(p, cb)).catch((err: Error & { code?: number }) => {
      if (err.code === SFTP_NO_SUCH_FILE) return undefined;
      throw err;
    }),
  open: (p: string, flags: string, attrs: InputAttributes) =>
    call<Buffer>((cb) => sftp.open(p, flags as 'r', attrs, cb)),
  close: (h: Buffer) => call<void>((cb) => sftp.close(h, (err) => cb(err, undefined))),
  fstat: (h: Buffer) => call<Stats>((cb) => sftp.fstat(h, cb)),
  read: (h: Buffer, buf: Buffer, len: number, pos: number) =>
    call<number>((cb) => sftp.read(h, buf, 0, len, pos, (err, n) => cb(err, n))),
  write: (h: Buffer, buf: Buffer, len: number, pos: number) =>
    call<void>((cb) => sftp.write(h, buf, 0, len, pos, (err) => cb(err, undefined))),
  mkdir: (p: string, attrs: InputAttributes) =>
    call<void>((cb) => sftp.mkdir(p, attrs, (err) => cb(err, undefined))),
  setstat: (p: string, attrs: InputAttributes) =>
    call<void>((cb) => sftp.setstat(p, attrs, (err) => cb(err, undefined))),
  readdir: (p: string) =>
    call<Array<{ filename: string; attrs: Stats }>>((cb) => sftp.readdir(p, (err, list) => cb(err, list))),
});
type Ops = ReturnType<typeof sftpOps>;

/** Bounded set of requests in flight; the first failure wins. */
class Window {
  private readonly pending = new Set<Promise<void>>();
  private failure: { err: unknown } | undefined;

  async add(task: Promise<void>): Promise<void> {
    const p: Promise<void> = task.then(
      () => void this.pending.delete(p),
      (err: unknown) => {
        this.pending.delete(p);
        this.failure ??= { err };
      },
    );
    this.pending.add(p);
    while (!this.failure && this.pending.size >= WINDOW) await Promise.race(this.pending);
    if (this.failure) throw this.failure.err;
  }

  async drain(): Promise<void> {
    await Promise.all(this.pending);
    if (this.failure) throw this.failure.err;
  }
}

// ---- remote paths -----------------------------------------------------------------------------

export interface RemotePath {
  user?: string;
  host: string;
  path: string;
}

/**
 * `[user@]host:path` → remote; anything else (no colon, or a slash before the first colon, as
 * in "./a:b") is local. IPv6 hosts go in brackets: `[::1]:path`.
 */
export function parseRemotePath(arg: string): RemotePath | undefined {
  const at = arg.startsWith('[') ? -1 : arg.indexOf('@');
  const hostStart = arg.startsWith('[') || at < 0 ? 0 : at + 1;
  let colon: number;
  if (arg[hostStart] === '[') {
    const close = arg.indexOf(']', hostStart);
    if (close < 0 || arg[close + 1] !== ':') return undefined;
    colon = close + 1;
  } else {
    colon = arg.indexOf(':');
  }
  if (colon <= 0 || arg.slice(0, colon).includes('/')) return undefined;
  const userHost = arg.slice(0, colon);
  const split = userHost.startsWith('[') ? -1 : userHost.lastIndexOf('@');
  const user = split >= 0 ? userHost.slice(0, split) || undefined : undefined;
  const host = (split >= 0 ? userHost.slice(split + 1) : userHost).replace(/^\[(.*)\]$/, '$1');
  if (!host) return undefined;
  return { user, host, path: arg.slice(colon + 1) };
}

/** `~`, `~/x`, "" and relative paths are relative to the login's home (SFTP realpath("."). */
export function resolveRemotePath(home: string, p: string): string {
  if (p === '' || p === '~') return home;
  if (p.startsWith('~/')) return path.posix.join(home, p.slice(2));
  if (path.posix.isAbsolute(p)) return p;
  return path.posix.join(home, p);
}

const timesAndMode = (st: { mode: number; atime: number; mtime: number }) => ({
  mode: st.mode & 0o7777,
  atime: st.atime,
  mtime: st.mtime,
});

// ---- upload -----------------------------------------------------------------------------------

class Transfer {
  readonly ops: Ops;
  readonly progress: Progress;
  private home = '';

  constructor(
    sftp: SFTPWrapper,
    readonly o: TransferOptions,
  ) {
    this.ops = sftpOps(sftp);
    this.progress = new Progress(o.stderr?.isTTY && !o.quiet ? o.stderr : undefined);
  }

  shown(p: string): string {
    return `${this.o.host ?? ''}:${p}`;
  }

  async remote(p: string): Promise<string> {
    if (!this.home)
      this.home = await this.ops
        .realpath('.')
        .catch((err) => Promise.reject(remoteError(err, this.shown('.'))));
    return resolveRemotePath(this.home, p);
  }

  // -- upload --

  async upload(sources: string[], dest: string): Promise<void> {
    const target = await this.remote(dest);
    const destStat = await this.ops.statOrUndefined(target).catch((err) => {
      throw remoteError(err, this.shown(dest));
    });
    const destIsDir = !!destStat?.isDirectory();
    if (sources.length > 1 && !destIsDir)
      throw new TshError(
        destStat ? `${this.shown(dest)}: not a directory` : `no such directory: ${this.shown(dest)}`,
        'bad-parameter',
      );
    for (const src of sources) {
      const st = await fs.promises.stat(src).catch((err) => Promise.reject(localError(err, src)));
      const to = destIsDir ? path.posix.join(target, path.basename(path.resolve(src))) : target;
      if (st.isDirectory()) {
        if (!this.o.recursive) throw new TshError(`${src} is a directory (use -r)`, 'bad-parameter');
        await this.uploadDir(src, to, st);
      } else {
        await this.uploadFile(src, to, st);
      }
    }
  }

  private async uploadDir(src: string, to: string, st: fs.Stats): Promise<void> {
    const existing = await this.ops.statOrUndefined(to).catch((err) => {
      throw remoteError(err, this.shown(to));
    });
    if (existing && !existing.isDirectory())
      throw new TshError(`${this.shown(to)}: not a directory`, 'bad-parameter');
    if (!existing)
      await this.ops.mkdir(to, { mode: st.mode & 0o777 }).catch((err) => {
        throw remoteError(err, this.shown(to));
      });
    const names = await fs.promises.readdir(src).catch((err) => Promise.reject(localError(err, src)));
    for (const name of names.sort()) {
      const child = path.join(src, name);
      const cst = await fs.promises.stat(child).catch(() => undefined); // dangling symlinks: skip
      if (!cst) continue;
      const cto = path.posix.join(to, name);
      if (cst.isDirectory()) await this.uploadDir(child, cto, cst);
      else if (cst.isFile()) await this.uploadFile(child, cto, cst);
    }
    if (this.o.preserve)
      await this.ops.setstat(to, timesAndMode(statTimes(st))).catch((err) => {
        throw remoteError(err, this.shown(to));
      });
  }

  private async uploadFile(src: string, to: string, st: fs.Stats): Promise<void> {
    const fd = await fs.promises.open(src, 'r').catch((err) => Promise.reject(localError(err, src)));
    try {
      const handle = await this.ops.open(to, 'w', { mode: st.mode & 0o777 }).catch((err) => {
        throw remoteError(err, this.shown(to));
      });
      this.progress.start(path.basename(src), st.size);
      try {
        const win = new Window();
        let pos = 0;
        for (;;) {
          const buf = Buffer.allocUnsafe(CHUNK);
          const { bytesRead } = await fd.read(buf, 0, CHUNK, pos);
          if (!bytesRead) break;
          const at = pos;
          pos += bytesRead;
          await win.add(this.ops.write(handle, buf, bytesRead, at).then(() => this.progress.add(bytesRead)));
        }
        await win.drain();
      } catch (err) {
        await this.ops.close(handle).catch(() => {});
        throw remoteError(err, this.shown(to));
      }
      await this.ops.close(handle).catch((err) => {
        throw remoteError(err, this.shown(to));
      });
      this.progress.finish();
    } finally {
      await fd.close();
    }
    if (this.o.preserve)
      await this.ops.setstat(to, timesAndMode(statTimes(st))).catch((err) => {
        throw remoteError(err, this.shown(to));
      });
  }

  // -- download --

  async download(sources: string[], dest: string): Promise<void> {
    const destStat = await fs.promises.stat(dest).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw localError(err, dest);
    });
    const destIsDir = !!destStat?.isDirectory();
    if (sources.length > 1 && !destIsDir)
      throw new TshError(
        destStat ? `${dest}: not a directory` : `no such directory: ${dest}`,
        'bad-parameter',
      );
    for (const src of sources) {
      const from = await this.remote(src);
      const st = await this.ops.stat(from).catch((err) => Promise.reject(remoteError(err, this.shown(src))));
      const to = destIsDir ? path.join(dest, path.posix.basename(from) || 'root') : dest;
      if (st.isDirectory()) {
        if (!this.o.recursive)
          throw new TshError(`${this.shown(src)} is a directory (use -r)`, 'bad-parameter');
        await this.downloadDir(from, to, st);
      } else {
        await this.downloadFile(from, to, st);
      }
    }
  }

  private async downloadDir(from: string, to: string, st: Stats): Promise<void> {
    const existing = await fs.promises.stat(to).catch(() => undefined);
    if (existing && !existing.isDirectory()) throw new TshError(`${to}: not a directory`, 'bad-parameter');
    if (!existing)
      await fs.promises
        .mkdir(to, { mode: st.mode & 0o777 })
        .catch((err) => Promise.reject(localError(err, to)));
    const list = await this.ops
      .readdir(from)
      .catch((err) => Promise.reject(remoteError(err, this.shown(from))));
    list.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
    for (const e of list) {
      if (e.filename === '.' || e.filename === '..') continue;
      const child = path.posix.join(from, e.filename);
      // Follow symlinks as scp does; dangling ones are skipped.
      const cst = e.attrs.isSymbolicLink() ? await this.ops.stat(child).catch(() => undefined) : e.attrs;
      if (!cst) continue;
      const cto = path.join(to, e.filename);
      if (cst.isDirectory()) await this.downloadDir(child, cto, cst);
      else if (cst.isFile()) await this.downloadFile(child, cto, cst);
    }
    if (this.o.preserve) await this.setLocal(to, st);
  }

  private async downloadFile(from: string, to: string, st: Stats): Promise<void> {
    const handle = await this.ops.open(from, 'r', {}).catch((err) => {
      throw remoteError(err, this.shown(from));
    });
    try {
      const size = (await this.ops.fstat(handle).catch(() => st)).size ?? 0;
      const fd = await fs.promises
        .open(to, 'w', st.mode & 0o777)
        .catch((err) => Promise.reject(localError(err, to)));
      this.progress.start(path.posix.basename(from), size);
      try {
        /** Reads [pos, pos+len) (short reads continue), writing at the same offsets; false at EOF. */
        const chunk = async (pos: number, len: number): Promise<number> => {
          const buf = Buffer.allocUnsafe(len);
          let got = 0;
          while (got < len) {
            const n = await this.ops.read(handle, buf.subarray(got), len - got, pos + got);
            if (!n) break;
            await fd.write(buf, got, n, pos + got);
            got += n;
            this.progress.add(n);
          }
          return got;
        };
        const win = new Window();
        for (let pos = 0; pos < size; pos += CHUNK) {
          const at = pos;
          await win.add(chunk(at, Math.min(CHUNK, size - at)).then(() => undefined));
        }
        await win.drain();
        // The size may have been stale (growing files, /proc): read on to EOF.
        for (let pos = size; ;) {
          const n = await chunk(pos, CHUNK);
          if (!n) break;
          pos += n;
        }
      } catch (err) {
        throw (err as NodeJS.ErrnoException).syscall
          ? localError(err, to)
          : remoteError(err, this.shown(from));
      } finally {
        await fd.close();
      }
      this.progress.finish();
    } finally {
      await this.ops.close(handle).catch(() => {});
    }
    if (this.o.preserve) await this.setLocal(to, st);
  }

  private async setLocal(to: string, st: Stats): Promise<void> {
    try {
      await fs.promises.chmod(to, st.mode & 0o7777);
      await fs.promises.utimes(to, st.atime, st.mtime);
    } catch (err) {
      throw localError(err, to);
    }
  }
}

function statTimes(st: fs.Stats): { mode: number; atime: number; mtime: number } {
  return { mode: st.mode, atime: Math.floor(st.atimeMs / 1000), mtime: Math.floor(st.mtimeMs / 1000) };
}

/** Copies local files/directories to `dest` on the remote host. */
export async function upload(
  sftp: SFTPWrapper,
  sources: string[],
  dest: string,
  o: TransferOptions = {},
): Promise<void> {
  await new Transfer(sftp, o).upload(sources, dest);
}

/** Copies remote files/directories (paths as typed; "~" and relative ones from home) to local `dest`. */
export async function download(
  sftp: SFTPWrapper,
  sources: string[],
  dest: string,
  o: TransferOptions = {},
): Promise<void> {
  await new Transfer(sftp, o).download(sources, dest);
}

export interface CopySpec {
  /** upload: local sources to a remote dest; download: remote sources to a local dest. */
  direction: 'upload' | 'download';
  sources: string[];
  dest: string;
}

/** Connects to the node through tc's proxy and copies over its SFTP subsystem. */
export async function sftpCopy(
  tc: TeleportClient,
  target: NodeTarget,
  spec: CopySpec,
  o: TransferOptions = {},
): Promise<void> {
  await withNode(await connectNode(tc, target), async (client) => {
    const sftp = await openSftp(client, target.host);
    try {
      if (spec.direction === 'upload') await upload(sftp, spec.sources, spec.dest, o);
      else await download(sftp, spec.sources, spec.dest, o);
    } finally {
      sftp.end();
    }
  });
}
