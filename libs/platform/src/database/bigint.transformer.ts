import { ValueTransformer } from 'typeorm';

/** BIGINT columns arrive from mysql2 as strings; money and counters are bigint in code, never a float. */
export const bigintTransformer: ValueTransformer = {
  to: (value: bigint | null | undefined) =>
    value === null || value === undefined ? value : value.toString(),
  from: (value: string | null) => (value === null ? null : BigInt(value)),
};
