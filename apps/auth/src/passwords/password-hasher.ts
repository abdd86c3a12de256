import { hash, verify, type Algorithm } from '@node-rs/argon2';

/** `Algorithm.Argon2id` (an ambient const enum, which verbatimModuleSyntax cannot import). */
const ARGON2ID = 2 as Algorithm;

/** OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1. */
export const OWASP_ARGON2ID = Object.freeze({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });

export interface Argon2Parameters {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** Hashes and checks passwords. Stored hashes are self-describing PHC strings. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** True when `password` matches `storedHash`; false for a mismatch or an unreadable hash. */
  verify(storedHash: string, password: string): Promise<boolean>;
  /**
   * Spends the same work as a real verification and returns false. Called for unknown accounts,
   * so "no such user" and "wrong password" take comparable time.
   */
  verifyUnknownAccount(password: string): Promise<false>;
  /** True when a stored hash was made with weaker parameters than today's (rehash on next login). */
  needsRehash(storedHash: string): boolean;
}

export class Argon2idPasswordHasher implements PasswordHasher {
  private decoyHash: Promise<string> | undefined;

  constructor(private readonly parameters: Argon2Parameters = OWASP_ARGON2ID) {}

  hash(password: string): Promise<string> {
    return hash(password.normalize('NFC'), { algorithm: ARGON2ID, ...this.parameters });
  }

  async verify(storedHash: string, password: string): Promise<boolean> {
    try {
      return await verify(storedHash, password.normalize('NFC'));
    } catch {
      return false;
    }
  }

  async verifyUnknownAccount(password: string): Promise<false> {
    await this.verify(await this.decoy(), password);
    return false;
  }

  /** Makes the decoy hash before the first login, so even that one costs a single hash. */
  async prepare(): Promise<void> {
    await this.decoy();
  }

  private decoy(): Promise<string> {
    this.decoyHash ??= this.hash('coffer-decoy-password-for-unknown-accounts');
    return this.decoyHash;
  }

  needsRehash(storedHash: string): boolean {
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(storedHash);
    if (!match) return true;
    const [, m, t, p] = match.map(Number);
    return (m ?? 0) < this.parameters.memoryCost || (t ?? 0) < this.parameters.timeCost || (p ?? 0) < this.parameters.parallelism;
  }
}
