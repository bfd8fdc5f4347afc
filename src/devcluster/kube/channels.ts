// The Kubernetes remote command stream protocol over WebSocket (`v4.channel.k8s.io`,
// `v5.channel.k8s.io`; k8s.io/apimachinery wsstream and client-go remotecommand): every binary
// message is one channel byte and that channel's data. Channels: 0 stdin, 1 stdout, 2 stderr,
// 3 error (a metav1.Status JSON once the command ends), 4 resize (JSON {"Width","Height"}).
// v5 adds 255, "close": its one data byte is the channel the client will send no more on.

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export const PROTOCOL_V5 = 'v5.channel.k8s.io';
export const PROTOCOL_V4 = 'v4.channel.k8s.io';
/** Subprotocols served, best first. */
export const EXEC_PROTOCOLS = [PROTOCOL_V5, PROTOCOL_V4];

export class ChannelFrameError extends Error {}

/** One message: the channel byte, then the data. */
export function encodeChannelFrame(channel: number, data: Uint8Array | string = Buffer.alloc(0)): Buffer {
  if (!Number.isInteger(channel) || channel < 0 || channel > 255)
    throw new ChannelFrameError(`channel ${channel}`);
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const out = Buffer.allocUnsafe(1 + body.length);
  out[0] = channel;
  out.set(body, 1);
  return out;
}

export type ChannelMessage =
  | { type: 'stdin'; data: Buffer }
  | { type: 'resize'; width: number; height: number }
  /** v5: the client closed its side of `channel`. */
  | { type: 'close'; channel: number }
  /** Anything else a client sent (ignored, as the apiserver ignores writes to output channels). */
  | { type: 'other'; channel: number; data: Buffer };

/** Decodes one client message. An empty message carries no channel and is refused. */
export function decodeChannelFrame(msg: Buffer, protocol: string): ChannelMessage {
  if (msg.length === 0) throw new ChannelFrameError('empty message: no channel byte');
  const channel = msg[0]!;
  const data = msg.subarray(1);
  if (channel === CHANNEL.stdin) return { type: 'stdin', data };
  if (channel === CHANNEL.resize) {
    let v: unknown;
    try {
      v = JSON.parse(data.toString('utf8'));
    } catch {
      throw new ChannelFrameError('resize message is not JSON');
    }
    const o = (v ?? {}) as { Width?: unknown; Height?: unknown };
    const width = Number(o.Width);
    const height = Number(o.Height);
    if (
      !Number.isInteger(width) ||
      !Number.isInteger(height) ||
      width < 0 ||
      height < 0 ||
      width > 0xffff ||
      height > 0xffff
    ) {
      throw new ChannelFrameError('resize message needs whole Width and Height');
    }
    return { type: 'resize', width, height };
  }
  if (channel === CHANNEL.close && protocol === PROTOCOL_V5) {
    if (data.length !== 1) throw new ChannelFrameError(`close message of ${data.length} bytes`);
    return { type: 'close', channel: data[0]! };
  }
  return { type: 'other', channel, data: Buffer.from(data) };
}

/** The error channel's Status when the command exited 0. */
export function successStatus(): Record<string, unknown> {
  return { metadata: {}, status: 'Success' };
}

/**
 * The error channel's Status for a non-zero exit: reason NonZeroExitCode with an ExitCode cause,
 * which client-go turns into exec.CodeExitError and kubectl into its own exit status.
 */
export function exitStatus(code: number, command: string[]): Record<string, unknown> {
  if (code === 0) return successStatus();
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command ${JSON.stringify(command)}, exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** The error channel's Status for a command that could not run at all. */
export function internalErrorStatus(message: string): Record<string, unknown> {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}
