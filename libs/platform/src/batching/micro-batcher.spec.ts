import { AsyncLocalStorage } from 'node:async_hooks';
import { MicroBatcher } from './micro-batcher';

// The gathering of jobs or requests into batches, with a fake run function: pure timing logic, no I/O.
describe('MicroBatcher', () => {
  const recorder = () => {
    const batches: number[][] = [];
    const run = async (items: number[]) => {
      batches.push(items);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return items.map((item) => (item < 0 ? new Error(`bad ${item}`) : item * 10));
    };
    return { batches, run };
  };

  it('runs at once when every slot is waiting (no wait at concurrency 1)', async () => {
    const { batches, run } = recorder();
    const sut = new MicroBatcher({ maxSize: 50, maxWaitMs: 10_000, capacity: 1, run });
    const started = Date.now();
    await expect(sut.submit(1)).resolves.toBe(10);
    await expect(sut.submit(2)).resolves.toBe(20);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(batches).toEqual([[1], [2]]);
  });

  it('gathers items submitted together into one batch of at most maxSize', async () => {
    const { batches, run } = recorder();
    const sut = new MicroBatcher({ maxSize: 4, maxWaitMs: 50, capacity: 100, run });
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((item) => sut.submit(item)));
    expect(results).toEqual([10, 20, 30, 40, 50, 60]);
    expect(batches).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
  });

  it('waits at most maxWaitMs for a batch that cannot fill', async () => {
    const { batches, run } = recorder();
    const sut = new MicroBatcher({ maxSize: 10, maxWaitMs: 20, capacity: 100, run });
    const started = Date.now();
    await Promise.all([sut.submit(1), sut.submit(2)]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(15);
    expect(elapsed).toBeLessThan(1000);
    expect(batches).toEqual([[1, 2]]);
  });

  it('counts slots taken by running batches: the rest flush without waiting', async () => {
    const { batches, run } = recorder();
    const sut = new MicroBatcher({ maxSize: 2, maxWaitMs: 10_000, capacity: 3, run });
    const first = Promise.all([sut.submit(1), sut.submit(2)]);
    // Two slots are in the running batch; the third and last slot flushes alone.
    await expect(sut.submit(3)).resolves.toBe(30);
    await first;
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('fails only the items whose result is an error', async () => {
    const { run } = recorder();
    const sut = new MicroBatcher({ maxSize: 10, maxWaitMs: 5, capacity: 3, run });
    const settled = await Promise.allSettled([sut.submit(1), sut.submit(-1), sut.submit(3)]);
    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('rejects the whole batch when the run itself throws', async () => {
    const sut = new MicroBatcher<number, number>({
      maxSize: 10,
      maxWaitMs: 5,
      capacity: 2,
      run: async () => {
        throw new Error('database down');
      },
    });
    const settled = await Promise.allSettled([sut.submit(1), sut.submit(2)]);
    expect(settled.every((result) => result.status === 'rejected')).toBe(true);
    expect(sut.size).toEqual({ waiting: 0, running: 0 });
  });

  describe('with maxInFlight (the api: any number of requests can arrive)', () => {
    it('runs a lone item at once, without a timer', async () => {
      const { batches, run } = recorder();
      const sut = new MicroBatcher({ maxSize: 50, maxWaitMs: 0, maxInFlight: 2, run });
      const started = Date.now();
      await expect(sut.submit(1)).resolves.toBe(10);
      expect(Date.now() - started).toBeLessThan(100);
      expect(batches).toEqual([[1]]);
    });

    it('gathers what arrives together, and what arrives while the batches in flight run', async () => {
      const { batches, run } = recorder();
      const sut = new MicroBatcher({ maxSize: 3, maxWaitMs: 0, maxInFlight: 1, run });
      const first = [1, 2, 3, 4].map((item) => sut.submit(item));
      // These arrive while [1, 2, 3] runs: they wait for it and go with 4 in the next batch.
      await new Promise((resolve) => setTimeout(resolve, 1));
      const later = [5, 6].map((item) => sut.submit(item));
      await expect(Promise.all([...first, ...later])).resolves.toEqual([10, 20, 30, 40, 50, 60]);
      expect(batches).toEqual([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      expect(sut.size).toEqual({ waiting: 0, running: 0 });
    });

    it('never runs more batches at once than maxInFlight, and drains everything', async () => {
      let inFlight = 0;
      let most = 0;
      const sut = new MicroBatcher<number, number>({
        maxSize: 4,
        maxWaitMs: 0,
        maxInFlight: 2,
        run: async (items) => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 2));
          inFlight -= 1;
          return items;
        },
      });
      const items = Array.from({ length: 100 }, (_, index) => index);
      await expect(Promise.all(items.map((item) => sut.submit(item)))).resolves.toEqual(items);
      expect(most).toBe(2);
    });

    it('goes on after a batch whose run threw', async () => {
      let calls = 0;
      const sut = new MicroBatcher<number, number>({
        maxSize: 2,
        maxWaitMs: 0,
        maxInFlight: 1,
        run: async (items) => {
          calls += 1;
          if (calls === 1) throw new Error('deadlock');
          return items;
        },
      });
      const settled = await Promise.allSettled([1, 2, 3].map((item) => sut.submit(item)));
      expect(settled.map((result) => result.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    });

    it('starts a second batch only once minSizeToOverlap items wait behind the first', async () => {
      const { batches, run } = recorder();
      const sut = new MicroBatcher({ maxSize: 10, maxWaitMs: 0, maxInFlight: 2, minSizeToOverlap: 3, run });
      const first = sut.submit(1);
      await new Promise((resolve) => setImmediate(resolve));
      // [1] runs; 2 and 3 are too few to overlap it, so they wait; 4 makes three: they go.
      const waiting = [2, 3].map((item) => sut.submit(item));
      await new Promise((resolve) => setImmediate(resolve));
      expect(batches).toEqual([[1]]);
      const more = [4].map((item) => sut.submit(item));
      await new Promise((resolve) => setImmediate(resolve));
      expect(batches).toEqual([[1], [2, 3, 4]]);
      await expect(Promise.all([first, ...waiting, ...more])).resolves.toEqual([10, 20, 30, 40]);
    });

    it('runs what waits below minSizeToOverlap as soon as the running batch ends', async () => {
      const { batches, run } = recorder();
      const sut = new MicroBatcher({ maxSize: 10, maxWaitMs: 0, maxInFlight: 2, minSizeToOverlap: 5, run });
      const first = sut.submit(1);
      await new Promise((resolve) => setImmediate(resolve));
      const second = sut.submit(2);
      await expect(Promise.all([first, second])).resolves.toEqual([10, 20]);
      expect(batches).toEqual([[1], [2]]);
    });

    it('runs a batch outside the async context of the caller that started it', async () => {
      const requestScope = new AsyncLocalStorage<string>();
      const seen: Array<string | undefined> = [];
      const sut = new MicroBatcher<number, number>({
        maxSize: 10,
        maxWaitMs: 0,
        maxInFlight: 1,
        run: async (items) => {
          seen.push(requestScope.getStore());
          return items;
        },
      });
      const answers = await Promise.all(
        ['req_a', 'req_b'].map((id, index) =>
          requestScope.run(id, async () => {
            const result = await sut.submit(index);
            // The caller is back in its own context afterwards.
            return [result, requestScope.getStore()];
          }),
        ),
      );
      expect(seen).toEqual([undefined]);
      expect(answers).toEqual([
        [0, 'req_a'],
        [1, 'req_b'],
      ]);
    });
  });
});
