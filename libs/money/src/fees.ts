const BASIS_POINTS_PER_WHOLE = 10_000n;

export interface FeeSplit {
  /** The platform's fee, in minor units. */
  fee: bigint;
  /** What the seller gets: always `amount - fee`, so nothing is lost to rounding. */
  net: bigint;
}

/**
 * Splits an amount into the platform fee and the seller's net. The fee is `amount × feeBps / 10,000`
 * rounded half-up to the minor unit with integer arithmetic only; the net is the rest, so
 * `fee + net = amount` holds for every input and `0 ≤ fee ≤ amount`.
 */
export function splitFee(amount: bigint, feeBps: number): FeeSplit {
  if (typeof amount !== 'bigint' || amount < 0n) {
    throw new RangeError(`splitFee needs a non-negative bigint amount, got ${String(amount)}.`);
  }
  if (!Number.isSafeInteger(feeBps) || feeBps < 0 || feeBps > 10_000) {
    throw new RangeError(`feeBps must be an integer from 0 to 10000, got ${String(feeBps)}.`);
  }
  // Adding half the divisor before the (truncating, since both are non-negative) division rounds
  // half-up: 25 at 200 bps is 0.5 minor units of fee, which becomes 1.
  const fee = (amount * BigInt(feeBps) + BASIS_POINTS_PER_WHOLE / 2n) / BASIS_POINTS_PER_WHOLE;
  return { fee, net: amount - fee };
}
