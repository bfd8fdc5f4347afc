// The dev cluster nodes' SFTP subsystem: an fs-backed SFTP v3 server (draft-ietf-secsh-filexfer-02)
// on ssh2's server-side SFTP stream. It runs as the dev cluster's OS user; relative paths are
// relative to that user's home directory, as with OpenSSH's sftp-server. Status codes and their
// messages follow the draft (and OpenSSH's wording); errno values map as OpenSSH maps them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Attributes, FileEntry, SFTPWrapper } from 'ssh2';

const STATUS = {
  OK: 0,
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  OP_UNSUPPORTED: 8,
} as const;

const MESSAGES: Record<number, string> = {
  0: 'Success',
  1: 'End of file',
  2: 'No such file',
  3: 'Permission denied',
  4: 'Failure',
  5: 'Bad message',
  8: 'Operation unsupported',
};

const OPEN = { READ: 0x1, WRITE: 0x2, APPEND: 0x4, CREAT: 0x8, TRUNC: 0x10, EXCL: 0x20 } as const;

/** Largest READ reply we send (OpenSSH's sftp-server limit). */
const MAX_READ = 256 * 1024;
/** Names per READDIR reply. */
const READDIR_BATCH = 100;

type FileHandle = { kind: 'file'; fh: fs.promises.FileHandle; path: string; pending: Set<Promise<unknown>> };
type DirHandle = { kind: 'dir'; path: string; names?: string[]; pos: number };
type Handle = FileHandle | DirHandle;

export interface SftpServerOptions {
  /** Directory relative paths resolve against; default: the OS user's home. */
  home?: string;
}

function errnoStatus(err: unknown): number {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'EBADF':
    case 'ELOOP':
      return STATUS.NO_SUCH_FILE;
    case 'EACCES':
    case 'EPERM':
      return STATUS.PERMISSION_DENIED;
    case 'ENAMETOOLONG':
    case 'EINVAL':
      return STATUS.BAD_MESSAGE;
    case 'ENOSYS':
      return STATUS.OP_UNSUPPORTED;
    default:
      return STATUS.FAILURE;
  }
}

function toAttrs(st: fs.Stats): Attributes {
  return {
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    atime: Math.floor(st.atimeMs / 1000),
    mtime: Math.floor(st.mtimeMs / 1000),
  };
}

function modeString(mode: number): string {
  const type =
    (mode & fs.constants.S_IFMT) === fs.constants.S_IFDIR
      ? 'd'
      : (mode & fs.constants.S_IFMT) === fs.constants.S_IFLNK
        ? 'l'
        : '-';
  const rwx = 'rwxrwxrwx';
  let out = type;
  for (let i = 0; i < 9; i++) out += mode & (0o400 >> i) ? rwx[i] : '-';
  return out;
}

/** An `ls -l` style line, as SSH_FXP_NAME's longname. */
function longname(name: string, st: fs.Stats): string {
  const d = st.mtime;
  const month = d.toLocaleString('en-US', { month: 'short' });
  const hhmm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return `${modeString(st.mode)} ${String(st.nlink).padStart(4)} ${String(st.uid).padEnd(8)} ${String(
    st.gid,
  ).padEnd(8)} ${String(st.size).padStart(8)} ${month} ${String(d.getDate()).padStart(2)} ${hhmm} ${name}`;
}

/** SETSTAT/FSETSTAT: applies only the attributes the client sent. */
async function applyAttrs(
  target: string | fs.promises.FileHandle,
  attrs: Partial<Attributes> | undefined,
): Promise<void> {
  if (!attrs) return;
  const onPath = typeof target === 'string';
  if (typeof attrs.size === 'number')
    await (onPath ? fs.promises.truncate(target, attrs.size) : target.truncate(attrs.size));
  if (typeof attrs.uid === 'number' && typeof attrs.gid === 'number')
    await (onPath ? fs.promises.chown(target, attrs.uid, attrs.gid) : target.chown(attrs.uid, attrs.gid));
  if (typeof attrs.mode === 'number')
    await (onPath ? fs.promises.chmod(target, attrs.mode & 0o7777) : target.chmod(attrs.mode & 0o7777));
  if (typeof attrs.atime === 'number' && typeof attrs.mtime === 'number')
    await (onPath
      ? fs.promises.utimes(target, attrs.atime, attrs.mtime)
      : target.utimes(attrs.atime, attrs.mtime));
}

/** Serves SFTP on an accepted `sftp` subsystem stream until the client goes away. */
export function serveSftp(sftp: SFTPWrapper, opts: SftpServerOptions = {}): void {
  const home = opts.home ?? os.homedir();
  const handles = new Map<number, Handle>();
  let nextHandle = 1;
  let closed = false;

  const resolve = (p: string) => path.resolve(home, p || '.');
  const status = (id: number, code: number) => sftp.status(id, code, MESSAGES[code]);
  const newHandle = (h: Handle): Buffer => {
    const n = nextHandle++;
    handles.set(n, h);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(n);
    return buf;
  };
  const handleId = (buf: Buffer) => (buf.length === 4 ? buf.readUInt32BE() : -1);
  const fileHandle = (buf: Buffer): FileHandle | undefined => {
    const h = handles.get(handleId(buf));
    return h?.kind === 'file' ? h : undefined;
  };

  /** Runs a request; any thrown fs error becomes the matching status reply. */
  const serve = (id: number, fn: () => Promise<void>, fh?: FileHandle): void => {
    const p = fn().catch((err: unknown) => {
      if (!closed) status(id, errnoStatus(err));
    });
    if (fh) {
      fh.pending.add(p);
      void p.finally(() => fh.pending.delete(p));
    }
  };

  sftp.on('OPEN', (id, filename, flags, attrs) =>
    serve(id, async () => {
      const C = fs.constants;
      const rw =
        flags & OPEN.READ && flags & OPEN.WRITE ? C.O_RDWR : flags & OPEN.WRITE ? C.O_WRONLY : C.O_RDONLY;
      let f = rw;
      if (flags & OPEN.APPEND) f |= C.O_APPEND;
      if (flags & OPEN.CREAT) f |= C.O_CREAT;
      if (flags & OPEN.TRUNC) f |= C.O_TRUNC;
      if (flags & OPEN.EXCL) f |= C.O_EXCL;
      const p = resolve(filename);
      const mode = typeof attrs?.mode === 'number' ? attrs.mode & 0o7777 : 0o666;
      const fh = await fs.promises.open(p, f, mode);
      if (closed) return void (await fh.close());
      sftp.handle(id, newHandle({ kind: 'file', fh, path: p, pending: new Set() }));
    }),
  );

  sftp.on('READ', (id, handle, offset, len) => {
    const h = fileHandle(handle);
    if (!h) return status(id, STATUS.FAILURE);
    serve(
      id,
      async () => {
        const buf = Buffer.allocUnsafe(Math.min(len, MAX_READ));
        const { bytesRead } = await h.fh.read(buf, 0, buf.length, offset);
        if (closed) return;
        if (bytesRead === 0) status(id, STATUS.EOF);
        else sftp.data(id, buf.subarray(0, bytesRead));
      },
      h,
    );
  });

  sftp.on('WRITE', (id, handle, offset, data) => {
    const h = fileHandle(handle);
    if (!h) return status(id, STATUS.FAILURE);
    serve(
      id,
      async () => {
        let done = 0;
        while (done < data.length) {
          const { bytesWritten } = await h.fh.write(data, done, data.length - done, offset + done);
          done += bytesWritten;
        }
        if (!closed) status(id, STATUS.OK);
      },
      h,
    );
  });

  sftp.on('CLOSE', (id, handle) => {
    const n = handleId(handle);
    const h = handles.get(n);
    if (!h) return status(id, STATUS.FAILURE);
    handles.delete(n);
    serve(id, async () => {
      if (h.kind === 'file') {
        await Promise.allSettled([...h.pending]);
        await h.fh.close();
      }
      if (!closed) status(id, STATUS.OK);
    });
  });

  sftp.on('FSTAT', (id, handle) => {
    const h = fileHandle(handle);
    if (!h) return status(id, STATUS.FAILURE);
    serve(id, async () => sftp.attrs(id, toAttrs(await h.fh.stat())), h);
  });

  sftp.on('FSETSTAT', (id, handle, attrs) => {
    const h = fileHandle(handle);
    if (!h) return status(id, STATUS.FAILURE);
    serve(
      id,
      async () => {
        await applyAttrs(h.fh, attrs);
        status(id, STATUS.OK);
      },
      h,
    );
  });

  sftp.on('STAT', (id, p) =>
    serve(id, async () => sftp.attrs(id, toAttrs(await fs.promises.stat(resolve(p))))),
  );
  sftp.on('LSTAT', (id, p) =>
    serve(id, async () => sftp.attrs(id, toAttrs(await fs.promises.lstat(resolve(p))))),
  );
  sftp.on('SETSTAT', (id, p, attrs) =>
    serve(id, async () => {
      await applyAttrs(resolve(p), attrs);
      status(id, STATUS.OK);
    }),
  );

  sftp.on('OPENDIR', (id, p) =>
    serve(id, async () => {
      const dir = resolve(p);
      const st = await fs.promises.stat(dir);
      if (!st.isDirectory()) return status(id, STATUS.FAILURE);
      await fs.promises.access(dir, fs.constants.R_OK | fs.constants.X_OK);
      sftp.handle(id, newHandle({ kind: 'dir', path: dir, pos: 0 }));
    }),
  );

  sftp.on('READDIR', (id, handle) => {
    const h = handles.get(handleId(handle));
    if (h?.kind !== 'dir') return status(id, STATUS.FAILURE);
    serve(id, async () => {
      h.names ??= ['.', '..', ...(await fs.promises.readdir(h.path))];
      const batch = h.names.slice(h.pos, h.pos + READDIR_BATCH);
      h.pos += batch.length;
      if (!batch.length) return status(id, STATUS.EOF);
      const entries: FileEntry[] = [];
      for (const name of batch) {
        // Entries may vanish between readdir and lstat; skip those.
        const st = await fs.promises.lstat(path.join(h.path, name)).catch(() => undefined);
        if (st) entries.push({ filename: name, longname: longname(name, st), attrs: toAttrs(st) });
      }
      if (!closed) sftp.name(id, entries);
    });
  });

  sftp.on('MKDIR', (id, p, attrs) =>
    serve(id, async () => {
      const mode = typeof attrs?.mode === 'number' ? attrs.mode & 0o7777 : 0o777;
      await fs.promises.mkdir(resolve(p), { mode });
      status(id, STATUS.OK);
    }),
  );
  sftp.on('RMDIR', (id, p) =>
    serve(id, async () => {
      await fs.promises.rmdir(resolve(p));
      status(id, STATUS.OK);
    }),
  );
  sftp.on('REMOVE', (id, p) =>
    serve(id, async () => {
      await fs.promises.unlink(resolve(p));
      status(id, STATUS.OK);
    }),
  );
  sftp.on('RENAME', (id, oldPath, newPath) =>
    serve(id, async () => {
      // v3: renaming onto an existing name is an error.
      const to = resolve(newPath);
      if (
        await fs.promises.lstat(to).then(
          () => true,
          () => false,
        )
      )
        return status(id, STATUS.FAILURE);
      await fs.promises.rename(resolve(oldPath), to);
      status(id, STATUS.OK);
    }),
  );
  sftp.on('REALPATH', (id, p) =>
    serve(id, async () => {
      const abs = resolve(p);
      const real = await fs.promises.realpath(abs).catch(() => abs);
      sftp.name(id, [{ filename: real, longname: real, attrs: {} as Attributes }]);
    }),
  );
  sftp.on('READLINK', (id, p) =>
    serve(id, async () => {
      const target = await fs.promises.readlink(resolve(p));
      sftp.name(id, [{ filename: target, longname: target, attrs: {} as Attributes }]);
    }),
  );
  sftp.on('SYMLINK', (id, targetPath, linkPath) =>
    serve(id, async () => {
      await fs.promises.symlink(targetPath, resolve(linkPath));
      status(id, STATUS.OK);
    }),
  );
  sftp.on('EXTENDED', (id) => status(id, STATUS.OP_UNSUPPORTED));

  // Handles left open are closed once their requests finish.
  const cleanup = () => {
    if (closed) return;
    closed = true;
    for (const h of handles.values()) {
      if (h.kind === 'file') void Promise.allSettled([...h.pending]).then(() => h.fh.close().catch(() => {}));
    }
    handles.clear();
  };
  // The client's EOF ends the session, as sftp-server exits on EOF: close the channel too.
  sftp.on('end', () => {
    cleanup();
    sftp.end();
  });
  sftp.on('close', cleanup);
  sftp.on('error', cleanup);
}
