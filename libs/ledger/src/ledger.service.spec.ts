import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { InsufficientFundsError } from './ledger.errors';
import { LedgerModule } from './ledger.module';
import { LedgerService } from './ledger.service';
import type { PostInput } from './ledger.types';

// Collaborator faked: the DataSource, whose transaction() fails the way MariaDB does (an error
// carrying errno). What is under test is the bounded retry around a post.

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

function serviceWith(transaction: jest.Mock): LedgerService {
  return new LedgerService({ transaction } as unknown as DataSource);
}

describe('LedgerService.postInOwnTransaction', () => {
  it('runs the post again after a deadlock and a lock-wait timeout, and returns its result', async () => {
    // Proves: 1213 and 1205 do not reach the caller when a later attempt succeeds.
    const transaction = jest
      .fn()
      .mockRejectedValueOnce(deadlock)
      .mockRejectedValueOnce(lockWait)
      .mockResolvedValueOnce({ transactionId: 'ltx_1', created: true });
    const sut = serviceWith(transaction);

    await expect(sut.postInOwnTransaction(input)).resolves.toEqual({ transactionId: 'ltx_1', created: true });
    expect(transaction).toHaveBeenCalledTimes(3);
  });

  it('gives up after a bounded number of attempts and throws the last deadlock', async () => {
    // Proves: the retry is bounded (4 attempts by default, or as the caller says).
    const transaction = jest.fn().mockRejectedValue(deadlock);
    const sut = serviceWith(transaction);

    await expect(sut.postInOwnTransaction(input)).rejects.toBe(deadlock);
    expect(transaction).toHaveBeenCalledTimes(4);
    transaction.mockClear();
    await expect(sut.postInOwnTransaction(input, { attempts: 2 })).rejects.toBe(deadlock);
    expect(transaction).toHaveBeenCalledTimes(2);
  });

  it('never repeats a post that failed for a reason a repeat cannot fix', async () => {
    // Proves: InsufficientFundsError (and any other non-retryable error) is thrown at once.
    const shortOfFunds = new InsufficientFundsError('escrow:ord_1', 'CNY');
    const transaction = jest.fn().mockRejectedValue(shortOfFunds);
    const sut = serviceWith(transaction);

    await expect(sut.postInOwnTransaction(input)).rejects.toBe(shortOfFunds);
    expect(transaction).toHaveBeenCalledTimes(1);
  });
});

describe('LedgerModule', () => {
  it('provides LedgerService on the DataSource that the global database module provides', async () => {
    // Proves: the Nest wiring works (the service asks for DataSource by its class token).
    const dataSource = { transaction: jest.fn() } as unknown as DataSource;
    @Global()
    @Module({ providers: [{ provide: DataSource, useValue: dataSource }], exports: [DataSource] })
    class FakeDatabaseModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [FakeDatabaseModule, LedgerModule],
    }).compile();

    const sut = moduleRef.get(LedgerService);
    expect(sut).toBeInstanceOf(LedgerService);
    expect((sut as unknown as { dataSource: DataSource }).dataSource).toBe(dataSource);
    await moduleRef.close();
  });
});
