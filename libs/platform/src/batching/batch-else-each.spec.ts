import { batchElseEach } from './batch-else-each';

// Pure: no services. What is under test is the fallback every batched money path shares.

describe('batchElseEach', () => {
  it('answers the batch’s results when the batch succeeds, running nobody alone', async () => {
    // Proves: the common path is one batch call and nothing else.
    const alone = jest.fn();
    const sut = await batchElseEach([1, 2, 3], { batch: async (items) => items.map((n) => n * 10), alone });
    expect(sut).toEqual([10, 20, 30]);
    expect(alone).not.toHaveBeenCalled();
  });

  it('runs every member alone, in arrival order, when the batch of several fails', async () => {
    // Proves: one bad member fails only itself; the others still succeed, in order.
    const order: number[] = [];
    const onBatchFailure = jest.fn();
    const sut = await batchElseEach([1, 2, 3], {
      batch: async () => {
        throw new Error('member 2 is bad');
      },
      alone: async (n) => {
        order.push(n);
        if (n === 2) throw new Error('bad');
        return n * 10;
      },
      onBatchFailure,
    });
    expect(sut[0]).toBe(10);
    expect(sut[1]).toBeInstanceOf(Error);
    expect((sut[1] as Error).message).toBe('bad');
    expect(sut[2]).toBe(30);
    expect(order).toEqual([1, 2, 3]);
    expect(onBatchFailure).toHaveBeenCalledTimes(1);
    expect(onBatchFailure.mock.calls[0][0].message).toBe('member 2 is bad');
  });

  it('runs alone the members the batch leaves undecided, and only those', async () => {
    // Proves: a bulk path may decide some members and leave the rest to the single path.
    const alone = jest.fn(async (n: number) => -n);
    const sut = await batchElseEach([1, 2, 3, 4], {
      batch: async (items) => items.map((n) => (n % 2 === 0 ? n * 10 : undefined)),
      alone,
    });
    expect(sut).toEqual([-1, 20, -3, 40]);
    expect(alone.mock.calls.map(([n]) => n)).toEqual([1, 3]);
  });

  it('does not run a batch of one again when a batch of one is already that member alone', async () => {
    // Proves: batchOfOneIsAlone makes the one failure final, answered through `failed`.
    const alone = jest.fn();
    const sut = await batchElseEach(['a'], {
      batch: async () => {
        throw new Error('lost commit answer');
      },
      alone,
      failed: async (error, item) =>
        item === 'a' && error.message === 'lost commit answer' ? 'stored' : error,
      batchOfOneIsAlone: true,
    });
    expect(sut).toEqual(['stored']);
    expect(alone).not.toHaveBeenCalled();
  });

  it('runs a failed batch of one alone when the batch is not the same as the single path', async () => {
    // Proves: without batchOfOneIsAlone a lone member still gets its single-path decision.
    const sut = await batchElseEach(['n'], {
      batch: async () => {
        throw new Error('bulk refused');
      },
      alone: async () => 'decided alone',
    });
    expect(sut).toEqual(['decided alone']);
  });

  it('turns a thrown non-Error into an Error for the member it failed', async () => {
    // Proves: every failed member answers an Error the batcher can reject with.
    const sut = await batchElseEach([1], {
      batch: async () => {
        throw 'not an error object';
      },
      alone: async () => {
        throw 'still not';
      },
    });
    expect(sut[0]).toBeInstanceOf(Error);
    expect((sut[0] as Error).message).toBe('still not');
  });

  it('answers nothing for no members, without calling the batch', async () => {
    // Proves: an empty batch costs no transaction.
    const batch = jest.fn();
    expect(await batchElseEach([], { batch, alone: jest.fn() })).toEqual([]);
    expect(batch).not.toHaveBeenCalled();
  });
});
