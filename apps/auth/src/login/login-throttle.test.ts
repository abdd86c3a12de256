import { MemoryRateLimiter } from '@coffer/rate-limit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.js';

const RULES = { failuresPerAccount: 3, attemptsPerAddress: 4, windowMs: 60_000, signUpsPerAddress: 5, signUpWindowMs: 60_000 };

describe('LoginThrottle', () => {
  let limiter: MemoryRateLimiter;
  let throttle: LoginThrottle;
  beforeEach(() => {
    limiter = new MemoryRateLimiter();
    throttle = new LoginThrottle(limiter, RULES);
  });
  afterEach(() => limiter.close());

  it('refuses the account after its failures and the address after its attempts', async () => {
    for (let n = 0; n < 3; n += 1) await throttle.admit('ada@example.com', '192.0.2.1');
    await expect(throttle.admit('ADA@example.com', '192.0.2.2')).rejects.toMatchObject({ code: 'rate_limited' });
    await throttle.admit('grace@example.com', '192.0.2.1');
    await expect(throttle.admit('alan@example.com', '192.0.2.1')).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('notChecked gives back both the address and the account unit of an admitted attempt', async () => {
    for (let n = 0; n < 10; n += 1) {
      await throttle.admit('ada@example.com', '192.0.2.1');
      await throttle.notChecked('ADA@example.com', '192.0.2.1');
    }
    // Budgets untouched: 3 account failures, then refused; the address still has its 4th attempt.
    for (let n = 0; n < 3; n += 1) await throttle.admit('ada@example.com', '192.0.2.1');
    await expect(throttle.admit('ada@example.com', '192.0.2.9')).rejects.toMatchObject({ code: 'rate_limited' });
    await throttle.admit('grace@example.com', '192.0.2.1');
    await expect(throttle.admit('alan@example.com', '192.0.2.1')).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('notChecked gives back nothing that was not taken', async () => {
    await throttle.notChecked('ada@example.com', '192.0.2.1');
    await throttle.notCheckedAccount('ada@example.com');
    for (let n = 0; n < 3; n += 1) await throttle.admit('ada@example.com', '192.0.2.1');
    await expect(throttle.admit('ada@example.com', '192.0.2.1')).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('notCheckedAccount gives back the unit of admitAccount', async () => {
    for (let n = 0; n < 5; n += 1) {
      await throttle.admitAccount('ada@example.com');
      await throttle.notCheckedAccount('ada@example.com');
    }
    for (let n = 0; n < 3; n += 1) await throttle.admitAccount('ada@example.com');
    await expect(throttle.admitAccount('ada@example.com')).rejects.toMatchObject({ code: 'rate_limited' });
  });
});
