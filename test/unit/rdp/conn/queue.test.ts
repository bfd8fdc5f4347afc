import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../../../src/rdp/conn/queue.js';

describe('EventQueue', () => {
  it('hands items over in order, to a waiting consumer too', async () => {
    const q = new EventQueue<number>();
    q.push(1);
    const second = q.next();
    expect(await second).toEqual({ value: 1, done: false });
    const waiting = q.next();
    q.push(2);
    expect(await waiting).toEqual({ value: 2, done: false });
  });

  it('delivers what was queued before ending, then done', async () => {
    const q = new EventQueue<number>();
    q.push(1);
    q.push(2);
    q.end();
    q.push(3); // ignored after the end
    const got: number[] = [];
    for await (const n of q) got.push(n);
    expect(got).toEqual([1, 2]);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it('throws an ending error once, after the queued items', async () => {
    const q = new EventQueue<number>();
    q.push(1);
    q.end(new Error('boom'));
    expect(await q.next()).toEqual({ value: 1, done: false });
    await expect(q.next()).rejects.toThrow('boom');
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it('rejects a waiting consumer when it ends with an error', async () => {
    const q = new EventQueue<number>();
    const waiting = q.next();
    q.end(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
  });

  it('resolves drained() once the consumer is down to the low-water mark', async () => {
    const q = new EventQueue<number>(2);
    for (let i = 0; i < 5; i++) q.push(i);
    let drained = false;
    const d = q.drained().then(() => (drained = true));
    await q.next();
    await q.next();
    await Promise.resolve();
    expect(drained).toBe(false);
    await q.next(); // 2 left
    await d;
    expect(drained).toBe(true);
    expect(q.size).toBe(2);
  });
});
