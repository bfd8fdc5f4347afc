// `tshjs kube exec`: the pods/exec call kubectl makes, over the proxy's kube route with the kube
// certificate: TLS with SNI kube-teleport-proxy-alpn.<host>, an HTTP/1.1 WebSocket upgrade with
// the v5.channel.k8s.io subprotocol (v4 accepted), one channel byte before each message's data
// (0 stdin, 1 stdout, 2 stderr, 3 error Status, 4 resize, 255 close). The command's exit code
// comes back in the error channel's Status (NonZeroExitCode / ExitCode cause). docs/kube-client.md.
import { randomBytes } from 'node:crypto';
import * as tls from 'node:tls';
import type { Readable, Writable } from 'node:stream';
import { TshError } from '../util/errors.js';
import {
  CLOSE_NORMAL,
  OPCODE,
  WebSocketParser,
  acceptKey,
  encodeClosePayload,
  encodeFrame,
} from '../wire/websocket.js';

export interface KubeExecParams {
  /** host:port of the proxy's web listener. */
  addr: string;
  serverName: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  insecure?: boolean;
  namespace: string;
  pod: string;
  container?: string;
  command: string[];
  stdin?: Readable & { isTTY?: boolean; setRawMode?(raw: boolean): unknown };
  tty?: boolean;
  stdout: Writable & { columns?: number; rows?: number };
  stderr: Writable;
  /** Upstream's session query parameters (teleport.KubeSessionReasonQueryParam / …InvitedQueryParam). */
  reason?: string;
  invite?: string[];
  /** teleport.KubeSessionDisplayParticipantRequirementsQueryParam. */
  participantReq?: boolean;
}

const CH = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

interface KubeStatus {
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: Array<{ reason?: string; message?: string }> };
}

/** kubectl's line for an API error: `Error from server (Reason): message`. */
export function statusLine(s: KubeStatus): string {
  return `Error from server${s.reason ? ` (${s.reason})` : ''}: ${s.message ?? 'unknown error'}`;
}

function execPath(p: KubeExecParams): string {
  const q = new URLSearchParams();
  if (p.participantReq) q.set('displayParticipantRequirements', 'true');
  if (p.invite?.length) q.set('invite', p.invite.join(','));
  if (p.reason) q.set('reason', p.reason);
  for (const c of p.command) q.append('command', c);
  if (p.container) q.set('container', p.container);
  if (p.stdin) q.set('stdin', 'true');
  q.set('stdout', 'true');
  if (!p.tty) q.set('stderr', 'true');
  if (p.tty) q.set('tty', 'true');
  const enc = encodeURIComponent;
  return `/api/v1/namespaces/${enc(p.namespace)}/pods/${enc(p.pod)}/exec?${q.toString()}`;
}

function splitAddr(addr: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(addr);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: addr, port: 443 };
}

/** Runs the command in the pod; resolves with its exit code. */
export function kubeExec(p: KubeExecParams): Promise<number> {
  const { host, port } = splitAddr(p.addr);
  return new Promise<number>((resolve, reject) => {
    const sock = tls.connect({
      host,
      port,
      servername: p.serverName,
      ca: p.caPem || undefined,
      cert: p.certPem,
      key: p.keyPem,
      ALPNProtocols: ['http/1.1'],
      rejectUnauthorized: !p.insecure,
    });
    const key = randomBytes(16).toString('base64');
    let head = Buffer.alloc(0);
    let upgraded = false;
    let exitCode: number | undefined;
    let settled = false;
    const parser = new WebSocketParser({ masked: false, maxMessage: 16 << 20 });
    const send = (opcode: number, payload: Buffer) => {
      if (!sock.writable) return;
      sock.write(encodeFrame({ opcode, payload, mask: randomBytes(4) }));
    };
    const sendChannel = (ch: number, data: Buffer) =>
      send(OPCODE.binary, Buffer.concat([Buffer.from([ch]), data]));
    const done = (code: number) => {
      if (settled) return;
      settled = true;
      cleanup();
      sock.end();
      resolve(code);
    };
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      cleanup();
      sock.destroy();
      reject(err);
    };
    const onStdin = (c: Buffer) => sendChannel(CH.stdin, c);
    const onStdinEnd = () => sendChannel(CH.close, Buffer.from([CH.stdin]));
    const onResize = () => sendResize();
    const sendResize = () => {
      const w = p.stdout.columns;
      const h = p.stdout.rows;
      if (w && h) sendChannel(CH.resize, Buffer.from(JSON.stringify({ Width: w, Height: h })));
    };
    const raw = !!(p.tty && p.stdin?.isTTY && p.stdin.setRawMode);
    const cleanup = () => {
      p.stdin?.off('data', onStdin);
      p.stdin?.off('end', onStdinEnd);
      p.stdout.off('resize', onResize);
      if (raw) p.stdin!.setRawMode!(false);
      p.stdin?.pause();
    };

    sock.on('secureConnect', () => {
      const req = [
        `GET ${execPath(p)} HTTP/1.1`,
        `Host: ${p.addr}`,
        'User-Agent: tshjs',
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        `Sec-WebSocket-Key: ${key}`,
        'Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io',
        '',
        '',
      ].join('\r\n');
      sock.write(req);
    });

    const onHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      const headers = new Map<string, string>();
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
      }
      const rest = head.subarray(end + 4);
      if (status !== 101) {
        // An API error: the body is a Status; read it to its length (or the connection's end).
        const len = Number(headers.get('content-length') ?? NaN);
        let body = rest;
        const finish = () => {
          let line = `error: unexpected response ${status} from the Kubernetes service`;
          try {
            const s = JSON.parse(body.toString('utf8')) as KubeStatus;
            if (s.message) line = statusLine(s);
          } catch {
            // not a Status
          }
          fail(new TshError(line, status === 403 ? 'access-denied' : 'internal'));
        };
        if (Number.isFinite(len) && body.length >= len) return finish();
        sock.off('data', onHead);
        sock.on('data', (c: Buffer) => {
          body = Buffer.concat([body, c]);
          if (Number.isFinite(len) && body.length >= len) finish();
        });
        sock.on('end', finish);
        return;
      }
      if (headers.get('sec-websocket-accept') !== acceptKey(key)) {
        return fail(new TshError('kube exec: bad Sec-WebSocket-Accept from the proxy', 'connection-problem'));
      }
      upgraded = true;
      sock.off('data', onHead);
      sock.on('data', onFrames);
      if (rest.length) onFrames(rest);
      if (p.stdin) {
        if (raw) p.stdin.setRawMode!(true);
        p.stdin.on('data', onStdin);
        p.stdin.on('end', onStdinEnd);
        p.stdin.resume();
      }
      if (p.tty) {
        sendResize();
        p.stdout.on('resize', onResize);
      }
    };

    const onFrames = (chunk: Buffer) => {
      let msgs;
      try {
        msgs = parser.push(chunk);
      } catch (err) {
        return fail(err as Error);
      }
      for (const m of msgs) {
        if (m.type === 'ping') send(OPCODE.pong, m.data);
        else if (m.type === 'close') {
          send(OPCODE.close, encodeClosePayload(CLOSE_NORMAL));
          return done(exitCode ?? 0);
        } else if (m.type === 'binary' && m.data.length > 0) {
          const ch = m.data[0]!;
          const data = m.data.subarray(1);
          if (ch === CH.stdout) p.stdout.write(data);
          else if (ch === CH.stderr) p.stderr.write(data);
          else if (ch === CH.error && data.length) exitCode = statusExitCode(data, p.stderr);
        }
      }
    };

    sock.on('data', onHead);
    sock.on('error', (err) => fail(new TshError(`kube exec: ${err.message}`, 'connection-problem')));
    sock.on('close', () => {
      if (upgraded) done(exitCode ?? 0);
      else fail(new TshError('kube exec: the proxy closed the connection', 'connection-problem'));
    });
  });
}

/** The error channel's Status: success 0, NonZeroExitCode its ExitCode cause, else print it and 1. */
function statusExitCode(data: Buffer, stderr: Writable): number {
  let s: KubeStatus;
  try {
    s = JSON.parse(data.toString('utf8')) as KubeStatus;
  } catch {
    stderr.write(`error: ${data.toString('utf8')}\n`);
    return 1;
  }
  if (s.status === 'Success') return 0;
  if (s.reason === 'NonZeroExitCode') {
    const c = s.details?.causes?.find((x) => x.reason === 'ExitCode');
    const n = Number(c?.message);
    if (Number.isInteger(n)) return n;
  }
  stderr.write(`error: ${s.message ?? 'command failed'}\n`);
  return 1;
}
