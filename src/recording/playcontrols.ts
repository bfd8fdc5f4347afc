// Keyboard controls for `tshjs play` on a terminal, as tsh's player: space pauses and resumes,
// right/left arrows seek ±10 s, Ctrl-C / Ctrl-D / q quit; the terminal is always restored.
import type { IO } from '../term/io.js';

export const SEEK_STEP_MS = 10_000;

export class PlaybackControls {
  paused = false;
  quit = false;
  /** Pending relative seek in recording milliseconds. */
  seek = 0;
  private wake?: () => void;
  private readonly onKey = (chunk: Buffer | string) => {
    const k = chunk.toString();
    if (k === ' ') this.paused = !this.paused;
    else if (k === '\x03' || k === '\x04' || k === 'q') this.quit = true;
    else if (k === '\x1b[C') this.seek += SEEK_STEP_MS;
    else if (k === '\x1b[D') this.seek -= SEEK_STEP_MS;
    else return;
    this.wake?.();
  };
  private readonly restoreOnExit = () => this.restore();

  constructor(private readonly stdin: IO['stdin']) {
    stdin.setRawMode?.(true);
    stdin.resume();
    stdin.on('data', this.onKey);
    process.once('exit', this.restoreOnExit);
  }

  static forIO(io: IO): PlaybackControls | undefined {
    return io.stdin.isTTY && io.stdin.setRawMode && io.stdout.isTTY
      ? new PlaybackControls(io.stdin)
      : undefined;
  }

  /** Sleeps up to `ms`, returning early on any key that changes playback. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Blocks while paused (until resume, quit or a seek). */
  async waitWhilePaused(): Promise<void> {
    while (this.paused && !this.quit && this.seek === 0) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private restore(): void {
    this.stdin.setRawMode?.(false);
  }

  close(): void {
    this.stdin.off('data', this.onKey);
    this.restore();
    this.stdin.pause();
    process.off('exit', this.restoreOnExit);
  }
}
