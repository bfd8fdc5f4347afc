// How a command's end reaches `tshjs ssh`: the exit status as the exit code, and Go's
// ExitMissingError when the channel (or the whole connection) goes without one. A real ssh2 server
// on a real socket; the "proxy" in between ends the client's stream without closing it, as the
// ProxySSH relay ends its call when the node's connection drops.
import { generateKeyPairSync } from 'node:crypto';
import * as net from 'node:net';
import { PassThrough } from 'node:stream';
import ssh2, { type ServerChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { marshalSshPrivateKey } from '../../../src/auth/ssh/keys.js';
import { runCommand } from '../../../src/ssh/exec.js';
import { EXIT_MISSING, closeWhenPeerEnds } from '../../../src/ssh/session.js';
import type { IO } from '../../../src/term/io.js';

type Behaviour = (ch: ServerChannel, conn: net.Socket) => void;

const behaviours: Record<string, Behaviour> = {
  'exit 3': (ch) => {
    ch.write('out\n');
    ch.exit(3);
    ch.end();
  },
  signal: (ch) => {
    ch.exit('KILL', false, '');
    ch.end();
  },
  'close without status': (ch) => {
    ch.write('partial\n');
    ch.end();
  },
  // The node's connection is gone: the relay ends the client's stream, the channel stays open.
  'node dies': (ch, conn) => {
    ch.write('partial\n');
    setTimeout(() => conn.destroy(), 50);
  },
};

describe('channelExit', () => {
  const hostKey = marshalSshPrivateKey(generateKeyPairSync('ed25519').privateKey);
  let server: ssh2.Server;
  let relay: net.Server;

  beforeAll(async () => {
    server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
      client.on('error', () => undefined);
      client.on('authentication', (ctx) => ctx.accept());
      client.on('session', (accept) => {
        accept().on('exec', (acc, _rej, info) => {
          const conn = (client as unknown as { _sock: net.Socket })._sock;
          behaviours[info.command](acc(), conn);
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    // Ends (FIN, no close) the client's side when the server's side goes, like the relay.
    relay = net.createServer({ allowHalfOpen: true }, (down) => {
      const up = net.connect({ port, host: '127.0.0.1' });
      down.pipe(up);
      up.pipe(down);
      up.on('error', () => down.end());
      up.on('close', () => down.end());
      down.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  });
  afterAll(() => {
    relay.close();
    server.close();
  });

  async function run(command: string): Promise<{ code?: number; error?: string; stdout: string }> {
    const sock = net.connect({
      port: (relay.address() as net.AddressInfo).port,
      host: '127.0.0.1',
      allowHalfOpen: true,
    });
    const client = new ssh2.Client();
    client.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      client.once('ready', () => resolve());
      client.connect({ sock, username: 'u' });
    });
    closeWhenPeerEnds(client, sock);
    const stdin = new PassThrough();
    stdin.end();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c) => (out += c));
    const io = { stdin, stdout, stderr: new PassThrough(), env: {} } as unknown as IO;
    try {
      const code = await runCommand(io, client, command);
      return { code, stdout: out };
    } catch (err) {
      return { error: (err as Error).message, stdout: out };
    } finally {
      client.end();
    }
  }

  it('resolves the exit status, after the output', async () => {
    expect(await run('exit 3')).toEqual({ code: 3, stdout: 'out\n' });
  });

  it('resolves 255 for an exit signal', async () => {
    expect(await run('signal')).toEqual({ code: 255, stdout: '' });
  });

  it('fails as ExitMissingError when the channel closes without a status', async () => {
    expect(await run('close without status')).toEqual({ error: EXIT_MISSING, stdout: 'partial\n' });
  });

  it('fails as ExitMissingError when the stream to the node ends mid-command', async () => {
    expect(await run('node dies')).toEqual({ error: EXIT_MISSING, stdout: 'partial\n' });
  });
});
