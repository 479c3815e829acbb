import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Database } from '@danbao/platform';
import { InsufficientFundsError } from './ledger.errors';
import { LedgerModule } from './ledger.module';
import { LedgerService } from './ledger.service';
import type { PostInput } from './ledger.types';

// Collaborators faked: the Database hands out a pooled connection that accepts
// START TRANSACTION / COMMIT / ROLLBACK, and post() fails the way MariaDB does (an error carrying
// errno). What is under test is the bounded retry around a post, and that each attempt is its own
// transaction, rolled back when it fails.

const input: PostInput = {
  reference: 'payment:ord_1',
  kind: 'payment',
  postings: [
    { account: 'channel:sandbox', currency: 'CNY', amount: -1n },
    { account: 'escrow:ord_1', currency: 'CNY', amount: 1n },
  ],
};
const deadlock = Object.assign(new Error('Deadlock found when trying to get lock'), { errno: 1213 });
const lockWait = Object.assign(new Error('Lock wait timeout exceeded'), { errno: 1205 });

/** A LedgerService whose post() is `post`, on a fake connection that records its statements. */
function serviceWith(post: jest.Mock): { sut: LedgerService; statements: string[] } {
  const statements: string[] = [];
  const connection = {
    query: (statement: string, _values: unknown[], callback: (error: null, result: unknown) => void) => {
      statements.push(statement);
      callback(null, {});
    },
  };
  const database = {
    connection: async () => ({ ...connection, release: () => undefined, destroy: () => undefined }),
  };
  const sut = new LedgerService(database as unknown as Database);
  jest.spyOn(sut, 'post').mockImplementation(post);
  return { sut, statements };
}

describe('LedgerService.postInOwnTransaction', () => {
  it('runs the post again after a deadlock and a lock-wait timeout, and returns its result', async () => {
    // Proves: 1213 and 1205 do not reach the caller when a later attempt succeeds.
    const post = jest
      .fn()
      .mockRejectedValueOnce(deadlock)
      .mockRejectedValueOnce(lockWait)
      .mockResolvedValueOnce({ transactionId: 'ltx_1', created: true });
    const { sut, statements } = serviceWith(post);

    await expect(sut.postInOwnTransaction(input)).resolves.toEqual({ transactionId: 'ltx_1', created: true });
    expect(post).toHaveBeenCalledTimes(3);
    expect(statements).toEqual([
      'START TRANSACTION',
      'ROLLBACK',
      'START TRANSACTION',
      'ROLLBACK',
      'START TRANSACTION',
      'COMMIT',
    ]);
  });

  it('gives up after a bounded number of attempts and throws the last deadlock', async () => {
    // Proves: the retry is bounded (4 attempts by default, or as the caller says).
    const post = jest.fn().mockRejectedValue(deadlock);
    const { sut } = serviceWith(post);

    await expect(sut.postInOwnTransaction(input)).rejects.toBe(deadlock);
    expect(post).toHaveBeenCalledTimes(4);
    post.mockClear();
    await expect(sut.postInOwnTransaction(input, { attempts: 2 })).rejects.toBe(deadlock);
    expect(post).toHaveBeenCalledTimes(2);
  });

  it('never repeats a post that failed for a reason a repeat cannot fix', async () => {
    // Proves: InsufficientFundsError (and any other non-retryable error) is thrown at once.
    const shortOfFunds = new InsufficientFundsError('escrow:ord_1', 'CNY');
    const post = jest.fn().mockRejectedValue(shortOfFunds);
    const { sut, statements } = serviceWith(post);

    await expect(sut.postInOwnTransaction(input)).rejects.toBe(shortOfFunds);
    expect(post).toHaveBeenCalledTimes(1);
    expect(statements).toEqual(['START TRANSACTION', 'ROLLBACK']);
  });
});

describe('LedgerModule', () => {
  it('provides LedgerService on the Database that the global database module provides', async () => {
    // Proves: the Nest wiring works (the service asks for Database by its class token).
    const database = { connection: jest.fn() } as unknown as Database;
    @Global()
    @Module({ providers: [{ provide: Database, useValue: database }], exports: [Database] })
    class FakeDatabaseModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [FakeDatabaseModule, LedgerModule],
    }).compile();

    const sut = moduleRef.get(LedgerService);
    expect(sut).toBeInstanceOf(LedgerService);
    expect((sut as unknown as { db: Database }).db).toBe(database);
    await moduleRef.close();
  });
});
