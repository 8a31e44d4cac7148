import type { Logger } from 'pino';

/**
 * Runs `tick` again and again, one at a time, waiting what it returns (ms) in
 * between. A thrown tick is logged and retried later: a loop must never take
 * the process down (STYLE habit 11). `trigger()` runs it now (e.g. commands
 * pending), `stop()` waits for the running tick to finish.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private again = false;

  constructor(
    private readonly name: string,
    private readonly tick: () => Promise<number>,
    private readonly log: Logger,
    private readonly onError: (error: unknown) => void = () => undefined,
    private readonly errorDelayMs = 5000,
  ) {}

  start(initialDelayMs = 0): void {
    this.stopped = false;
    this.schedule(initialDelayMs);
  }

  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.run(), delayMs);
    this.timer.unref?.();
  }

  private async run(): Promise<void> {
    let delay = this.errorDelayMs;
    this.running = (async () => {
      try {
        delay = await this.tick();
      } catch (error) {
        this.onError(error);
        this.log.error({ err: error, task: this.name }, 'loop iteration failed; it will run again');
      }
    })();
    await this.running;
    this.running = undefined;
    if (this.again) {
      this.again = false;
      delay = 0;
    }
    this.schedule(delay);
  }
}
