/** A manual payout above what the seller may be paid now (409 `insufficient_available`). */
export class InsufficientAvailableError extends Error {
  constructor(
    readonly available: bigint,
    readonly currency: string,
  ) {
    super(`The amount is above the available balance (${available} ${currency}).`);
  }
}
