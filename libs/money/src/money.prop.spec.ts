import fc from 'fast-check';
import { MAX_API_AMOUNT, parseAmount } from './amount';
import { CURRENCY_EXPONENTS } from './currency';
import { splitFee } from './fees';
import { formatMoney } from './format';
import { Money } from './money';

// One seed per run, printed so that a failure can be replayed with FC_SEED=<seed>.
const seed = Number(process.env.FC_SEED ?? Date.now() % 2_147_483_647);
const parameters = { seed, numRuns: 1000 };
beforeAll(() => console.log(`money.prop.spec fast-check seed: ${seed} (replay with FC_SEED=${seed})`));

const amount = fc.bigInt({ min: 0n, max: 10n ** 15n });
const feeBps = fc.integer({ min: 0, max: 10_000 });
const currency = fc.constantFrom(...Object.keys(CURRENCY_EXPONENTS));

describe('money arithmetic (property tests)', () => {
  it('splitFee: fee + net = amount and 0 ≤ fee ≤ amount for every amount and rate', () => {
    fc.assert(
      fc.property(amount, feeBps, (value, bps) => {
        const { fee, net } = splitFee(value, bps);
        return fee + net === value && fee >= 0n && fee <= value && net >= 0n;
      }),
      parameters,
    );
  });

  it('splitFee: the fee is the exact product rounded half-up (within half a minor unit, ties up)', () => {
    fc.assert(
      fc.property(amount, feeBps, (value, bps) => {
        const { fee } = splitFee(value, bps);
        // Compare in units of 1/20,000 of a minor unit: |fee − exact| ≤ ½, and a tie rounds up.
        const exactTwice = value * BigInt(bps) * 2n;
        const feeTwice = fee * 20_000n;
        const difference = feeTwice - exactTwice;
        return difference > -10_000n && difference <= 10_000n;
      }),
      parameters,
    );
  });

  it('splitFee: a higher rate never charges a lower fee, and a larger amount never a lower one', () => {
    fc.assert(
      fc.property(amount, amount, feeBps, feeBps, (a, b, r, s) => {
        const [small, large] = a <= b ? [a, b] : [b, a];
        const [low, high] = r <= s ? [r, s] : [s, r];
        return (
          splitFee(small, low).fee <= splitFee(small, high).fee &&
          splitFee(small, high).fee <= splitFee(large, high).fee
        );
      }),
      parameters,
    );
  });

  it('Money: addition and subtraction are inverse, commutative and never leave bigint', () => {
    fc.assert(
      fc.property(currency, fc.bigInt(), fc.bigInt(), (code, a, b) => {
        const x = Money.of(a, code);
        const y = Money.of(b, code);
        return (
          x.add(y).subtract(y).equals(x) && x.add(y).equals(y.add(x)) && typeof x.add(y).amount === 'bigint'
        );
      }),
      parameters,
    );
  });

  it('formatMoney: the digits shown are the amount, with exactly the exponent as decimals', () => {
    fc.assert(
      fc.property(currency, fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (code, value) => {
        const text = formatMoney(value, code);
        const exponent = CURRENCY_EXPONENTS[code];
        const digits = text.replace(/[^0-9]/g, '');
        const fraction = text.includes('.') ? text.split('.')[1] : '';
        return (
          BigInt(digits) === (value < 0n ? -value : value) &&
          fraction.length === exponent &&
          text.startsWith('-') === value < 0n
        );
      }),
      parameters,
    );
  });

  it('parseAmount: accepts exactly the whole numbers 1..10^12 and returns them unchanged', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double(), fc.maxSafeInteger()), (value) => {
        const valid = Number.isSafeInteger(value) && value >= 1 && BigInt(value) <= MAX_API_AMOUNT;
        let parsed: bigint | undefined;
        try {
          parsed = parseAmount(value);
        } catch {
          return !valid;
        }
        return valid && parsed === BigInt(value);
      }),
      parameters,
    );
  });
});
