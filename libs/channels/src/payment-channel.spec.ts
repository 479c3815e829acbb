import { ConfigError, loadConfig } from '@danbao/platform';
import { enabledChannelNames, requirePaymentChannel } from './channels.module';
import { PaymentChannels } from './payment-channel';

describe('the payment channels a configuration switches on', () => {
  it('runs the sandbox by default in development and test', () => {
    expect(enabledChannelNames(loadConfig({ NODE_ENV: 'test' }))).toEqual(['sandbox']);
    expect(() => requirePaymentChannel(loadConfig({}))).not.toThrow();
  });

  it('runs no channel with SANDBOX_CHANNEL=off, and refuses that with one line naming SANDBOX_CHANNEL', () => {
    const config = loadConfig({ SANDBOX_CHANNEL: 'off' });
    expect(enabledChannelNames(config)).toEqual([]);
    let thrown: unknown;
    try {
      requirePaymentChannel(config);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variable).toBe('SANDBOX_CHANNEL');
    expect((thrown as ConfigError).message).toMatch(/^Invalid configuration: SANDBOX_CHANNEL is off and no/);
    expect((thrown as ConfigError).message).not.toContain('\n');
    expect(() => new PaymentChannels([])).toThrow(ConfigError);
  });
});
