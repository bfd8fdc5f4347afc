// src/wire readers on input found by the fuzzers: cluster-name SNI and frame streams.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeClusterName, encodeClusterName } from '../../../src/wire/alpn.js';
import { frameDuplex, type FrameCall } from '../../../src/wire/framestream.js';
import { TshError } from '../../../src/util/errors.js';

describe('cluster-name SNI', () => {
  it('odd-length hex or bytes that are not UTF-8 name no cluster', () => {
    expect(decodeClusterName('abc.teleport.cluster.local')).toBeUndefined();
    expect(decodeClusterName('ff.teleport.cluster.local')).toBeUndefined();
    expect(decodeClusterName(encodeClusterName('root.example'))).toBe('root.example');
    expect(decodeClusterName(encodeClusterName('ünï'))).toBe('ünï');
  });
});

describe('frame streams', () => {
  it('a message without a frame destroys the stream with a TshError', async () => {
    const call = new PassThrough({ objectMode: true }) as unknown as FrameCall<Buffer, { data?: Buffer }>;
    const d = frameDuplex<Buffer, { data?: Buffer }>(
      call,
      (b) => b,
      (m) => m.data,
    );
    const failed = new Promise<unknown>((resolve) => d.on('error', resolve));
    (call as unknown as PassThrough).emit('data', {});
    const err = await failed;
    expect(err).toBeInstanceOf(TshError);
    expect((err as TshError).kind).toBe('connection-problem');
  });
});
