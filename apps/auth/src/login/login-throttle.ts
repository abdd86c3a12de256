import { createHash } from 'node:crypto';
import { AppError } from '@coffer/platform';
import type { RateLimiter, RateLimitRule } from '@coffer/rate-limit';

export interface LoginThrottleRules {
  /** Failed attempts allowed per account in the window (the counter resets on success). */
  failuresPerAccount: number;
  /** Attempts allowed per client address in the window. */
  attemptsPerAddress: number;
  windowMs: number;
  /** Sign-ups allowed per client address in `signUpWindowMs` (sign-up answers 409 for a taken email). */
  signUpsPerAddress: number;
  signUpWindowMs: number;
}

/** Keys never hold an email or address in the clear (they may sit in Redis). */
function key(kind: string, value: string): string {
  return `login:${kind}:${createHash('sha256').update(value).digest('base64url')}`;
}

/**
 * Login throttling per account and per client address. An attempt counts against both before
 * the password is checked (so concurrent guesses cannot overshoot); a success clears the
 * account's counter, and an attempt whose password was never checked is given back. A refusal is a 429 with
 * Retry-After, the same whether or not the account exists.
 */
export class LoginThrottle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly rules: LoginThrottleRules,
  ) {}

  async admit(email: string, clientIp: string): Promise<void> {
    const byAddress = await this.limiter.consume(this.addressKey(clientIp), this.addressRule());
    const byAccount = await this.limiter.consume(this.accountKey(email), this.accountRule());
    const refused = [byAddress, byAccount].filter((decision) => !decision.allowed);
    if (refused.length > 0) {
      const retryAfterSeconds = Math.max(1, Math.ceil(Math.max(...refused.map((decision) => decision.retryAfterMs)) / 1000));
      throw new AppError('rate_limited', { detail: 'Too many sign-in attempts; try again later.', retryAfterSeconds });
    }
  }

  /**
   * Sign-up must answer 409 for a taken email, which tells whether an account exists; limiting
   * sign-ups per address bounds how fast anyone can probe emails that way.
   */
  async admitSignUp(clientIp: string): Promise<void> {
    const decision = await this.limiter.consume(key('signup', clientIp || 'unknown'), { limit: this.rules.signUpsPerAddress, windowMs: this.rules.signUpWindowMs });
    if (!decision.allowed) {
      throw new AppError('rate_limited', { detail: 'Too many sign-ups from this address; try again later.', retryAfterSeconds: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)) });
    }
  }

  /** A password check of a signed-in account (password change): counts against the account only. */
  async admitAccount(email: string): Promise<void> {
    const decision = await this.limiter.consume(this.accountKey(email), this.accountRule());
    if (!decision.allowed) {
      throw new AppError('rate_limited', { detail: 'Too many attempts; try again later.', retryAfterSeconds: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)) });
    }
  }

  /**
   * An attempt `admit` let through whose password was never checked (a dependency failed
   * first, e.g. the database was down): gives back its address and account units, so retries
   * during an outage do not use up the account's failure budget.
   */
  async notChecked(email: string, clientIp: string): Promise<void> {
    await Promise.all([this.limiter.refund(this.addressKey(clientIp), this.addressRule()), this.notCheckedAccount(email)]);
  }

  /** As {@link notChecked}, for an attempt `admitAccount` let through: the account unit only. */
  async notCheckedAccount(email: string): Promise<void> {
    await this.limiter.refund(this.accountKey(email), this.accountRule());
  }

  async succeeded(email: string): Promise<void> {
    await this.limiter.reset(this.accountKey(email));
  }

  private addressKey(clientIp: string): string {
    return key('ip', clientIp || 'unknown');
  }

  private accountKey(email: string): string {
    return key('account', email.toLowerCase());
  }

  private addressRule(): RateLimitRule {
    return { limit: this.rules.attemptsPerAddress, windowMs: this.rules.windowMs };
  }

  private accountRule(): RateLimitRule {
    return { limit: this.rules.failuresPerAccount, windowMs: this.rules.windowMs };
  }
}
