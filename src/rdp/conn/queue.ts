// A single-consumer async queue: the client pushes events as PDUs arrive, the caller drains them
// with `for await`. It ends normally or with an error, which the consumer sees after the events
// queued before it; an error nobody asked for is never an unhandled rejection.
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private head = 0;
  private ended = false;
  private error: unknown = undefined;
  private waiter?: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void };
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly lowWater = 16) {}

  get size(): number {
    return this.items.length - this.head;
  }

  get done(): boolean {
    return this.ended;
  }

  push(item: T): void {
    if (this.ended) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: item, done: false });
      return;
    }
    this.items.push(item);
  }

  /** Ends the queue: the consumer gets what is queued, then done (or `error` thrown). */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    if (this.waiter && this.size === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      if (error === undefined) w.resolve({ value: undefined, done: true });
      else w.reject(error);
    }
    this.wakeDrain();
  }

  /** Resolves once the consumer has taken the queue down to the low-water mark (or it ended). */
  drained(): Promise<void> {
    if (this.size <= this.lowWater || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const value = this.items[this.head];
      this.items[this.head++] = undefined as T;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      if (this.size <= this.lowWater) this.wakeDrain();
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) {
      if (this.error === undefined) return Promise.resolve({ value: undefined, done: true });
      const err = this.error;
      this.error = undefined; // thrown once; later calls just report done
      return Promise.reject(err);
    }
    if (this.waiter) return Promise.reject(new Error('EventQueue has a single consumer'));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** Leaving a `for await` early stops nothing here; the owner decides when to end. */
  return(): Promise<IteratorResult<T>> {
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private wakeDrain(): void {
    const ws = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of ws) w();
  }
}
