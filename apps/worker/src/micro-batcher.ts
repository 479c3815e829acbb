export interface MicroBatcherOptions<I, R> {
  /** The most items one run takes. */
  maxSize: number;
  /** How long the first item of a batch waits for company, at most. */
  maxWaitMs: number;
  /**
   * How many items can be in the batcher at once at most (the worker's concurrency): when every
   * free slot is already waiting here no more can come, so the batch runs without waiting.
   */
  capacity: number;
  /** Runs one batch; returns one result per item, in order (an Error fails that item alone). */
  run: (items: I[]) => Promise<Array<R | Error>>;
}

interface Waiting<I, R> {
  item: I;
  resolve: (result: R) => void;
  reject: (error: Error) => void;
}

/**
 * Gathers items submitted one by one (one per job) into batches: a batch runs as soon as it is
 * full, or as soon as no further item can arrive, or after `maxWaitMs` — so at low load nothing
 * waits, and under load one transaction carries many items.
 */
export class MicroBatcher<I, R> {
  private waiting: Waiting<I, R>[] = [];
  private running = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: MicroBatcherOptions<I, R>) {}

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.waiting.length >= this.threshold()) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
    });
  }

  /** Items waiting, and items in batches being run. */
  get size(): { waiting: number; running: number } {
    return { waiting: this.waiting.length, running: this.running };
  }

  private threshold(): number {
    return Math.max(1, Math.min(this.options.maxSize, this.options.capacity - this.running));
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxSize);
      this.running += batch.length;
      void this.runBatch(batch);
    }
  }

  private async runBatch(batch: Waiting<I, R>[]): Promise<void> {
    try {
      const results = await this.options.run(batch.map((waiting) => waiting.item));
      batch.forEach((waiting, index) => {
        const result = results[index];
        if (result instanceof Error) waiting.reject(result);
        else if (result === undefined)
          waiting.reject(new Error('The batch returned no result for this item.'));
        else waiting.resolve(result);
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.running -= batch.length;
    }
  }
}
