// The HTTP CONNECT forward proxy in front of the Kubernetes local proxy
// (lib/srv/alpnproxy/forward_proxy.go with NewKubeForwardProxy's ForwardToHostHandler and
// MatchAllRequests): it listens on --port, answers every CONNECT with 200 whatever its target,
// and hands the tunnelled bytes to the local TLS listener; any other request gets 400. kubectl
// reaches it through the kubeconfig's proxy-url.
import * as net from 'node:net';

/** A request head longer than this is refused (Go's http.Server default is 1 MiB; kubectl's is tiny). */
const MAX_HEAD = 64 * 1024;

/** Parses one request head and calls `tunnel` with the socket (and any bytes after the head). */
export function handleForwardConnection(
  socket: net.Socket,
  tunnel: (socket: net.Socket, rest: Buffer) => void,
): void {
  let buf = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (buf.length > MAX_HEAD) socket.destroy();
      return;
    }
    socket.off('data', onData);
    socket.pause();
    const line = buf.subarray(0, buf.indexOf('\r\n')).toString('latin1');
    const m = /^(\S+) \S+ (HTTP\/1\.[01])$/.exec(line);
    const proto = m?.[2] ?? 'HTTP/1.1';
    if (m?.[1] !== 'CONNECT') {
      socket.end(`${proto} 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    // writeHeaderToHijackedConnection: a bodiless 200 in the request's protocol version.
    socket.write(`${proto} 200 OK\r\nContent-Length: 0\r\n\r\n`);
    tunnel(socket, buf.subarray(end + 4));
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}

/** Listens on 127.0.0.1:port (0 = any free port). A port in use is one clear line. */
export function listenForwardProxy(
  port: number,
  tunnel: (socket: net.Socket, rest: Buffer) => void,
): Promise<net.Server> {
  const server = net.createServer((s) => handleForwardConnection(s, tunnel));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
