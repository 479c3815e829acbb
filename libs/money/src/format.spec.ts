import { formatMoney } from './format';

describe('formatMoney', () => {
  it.each([
    [1999n, 'CNY', '¥19.99'],
    [1999n, 'JPY', '¥1,999'],
    [1999n, 'USD', '$19.99'],
    [1999n, 'EUR', '€19.99'],
    [1999n, 'KRW', '₩1,999'],
    [1999n, 'GBP', '£19.99'],
    [1999n, 'KWD', 'KWD 1.999'],
    [1999n, 'BHD', 'BHD 1.999'],
    [5n, 'CNY', '¥0.05'],
    [0n, 'CNY', '¥0.00'],
    [0n, 'JPY', '¥0'],
    [100_000_000_000_000n, 'CNY', '¥1,000,000,000,000.00'],
    [123_456_789n, 'USD', '$1,234,567.89'],
    [-1999n, 'CNY', '-¥19.99'],
    [-1_234_567n, 'JPY', '-¥1,234,567'],
    [-1n, 'KWD', '-KWD 0.001'],
    [12_345_678_901_234_567_890n, 'USD', '$123,456,789,012,345,678.90'],
  ])('it shows %s %s as API.md says pages do: %s', (amount, currency, expected) => {
    expect(formatMoney(amount, currency)).toBe(expected);
  });

  it('refuses an unknown currency rather than guessing its decimals', () => {
    expect(() => formatMoney(1n, 'XXX')).toThrow(/Unknown currency/);
  });

  it('refuses a number amount, so a float never reaches a page', () => {
    expect(() => formatMoney(19.99 as unknown as bigint, 'CNY')).toThrow(TypeError);
  });
});
