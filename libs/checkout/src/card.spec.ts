import { cardBrand, checkCard } from './card';

describe('card checks', () => {
  const now = new Date('2026-11-25T00:00:00Z');

  it('accepts the sandbox test cards and keeps only brand and last four', () => {
    const result = checkCard({ number: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' }, now);
    expect(result).toEqual({ digits: '4242424242424242', summary: { brand: 'visa', last4: '4242' } });
  });

  it.each([
    [{ number: '4242 4242 4242 4241', expiry: '12/30', cvc: '123' }, 'card_number'],
    [{ number: '1234', expiry: '12/30', cvc: '123' }, 'card_number'],
    [{ number: '4242424242424242', expiry: '13/30', cvc: '123' }, 'expiry'],
    [{ number: '4242424242424242', expiry: '10/26', cvc: '123' }, 'expiry'],
    [{ number: '4242424242424242', expiry: '12/30', cvc: '12' }, 'cvc'],
  ])('refuses %j naming %s', (input, field) => {
    expect(checkCard(input, now)).toEqual({ problem: { field, message: expect.any(String) } });
  });

  it('accepts a card expiring this month', () => {
    expect('digits' in checkCard({ number: '4242424242424242', expiry: '11/2026', cvc: '1234' }, now)).toBe(
      true,
    );
  });

  it('names card brands', () => {
    expect(cardBrand('5555555555554444')).toBe('mastercard');
    expect(cardBrand('378282246310005')).toBe('amex');
    expect(cardBrand('6200000000000005')).toBe('unionpay');
  });
});
