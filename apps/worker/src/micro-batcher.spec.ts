import { MicroBatcher } from './micro-batcher';

// The gathering of releases into batches, with a fake run function: pure timing logic, no I/O.
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
});
