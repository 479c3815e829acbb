const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A bigint amount as a JSON number, for responses. Every API amount is at most 10^12, far inside
 * the range where a double is exact (2^53 - 1); anything beyond that range throws rather than
 * being rounded.
 */
export function toJsonAmount(amount: bigint): number {
  if (typeof amount !== 'bigint') throw new TypeError(`toJsonAmount needs a bigint, got ${typeof amount}.`);
  if (amount > MAX_EXACT || amount < -MAX_EXACT) {
    throw new RangeError(`${amount} cannot be written as an exact JSON number.`);
  }
  return Number(amount);
}
