import { dictionary } from '@zxcvbn-ts/language-common';
import { AppError } from '@coffer/platform';

/** NIST SP 800-63B: at least 8; Coffer asks for 12 because there is no second factor yet. */
export const PASSWORD_MIN_LENGTH = 12;
/** Bounds the hashing work an attacker can ask for; long passphrases still fit. */
export const PASSWORD_MAX_LENGTH = 256;

let commonPasswords: ReadonlySet<string> | undefined;

/** ~49k passwords seen most often in breaches (zxcvbn-ts common list), lowercased. */
function commonPasswordSet(): ReadonlySet<string> {
  commonPasswords ??= new Set((dictionary['passwords-common'] as readonly string[]).map((entry) => entry.toLowerCase()));
  return commonPasswords;
}

/**
 * Checks a new password: length in Unicode code points after NFC normalisation, not a common
 * password, not the account's email or name. Throws invalid_argument naming the field `password`.
 */
export function assertAcceptableNewPassword(password: string, account: { email?: string; displayName?: string } = {}): void {
  const normalized = password.normalize('NFC');
  const length = [...normalized].length;
  const refuse = (detail: string): never => {
    throw new AppError('invalid_argument', { detail: `password: ${detail}` });
  };
  if (length < PASSWORD_MIN_LENGTH) refuse(`must be at least ${PASSWORD_MIN_LENGTH} characters long.`);
  if (length > PASSWORD_MAX_LENGTH) refuse(`must be at most ${PASSWORD_MAX_LENGTH} characters long.`);
  const lowered = normalized.toLowerCase();
  if (commonPasswordSet().has(lowered)) refuse('is one of the most common passwords; choose another.');
  const personal = [account.email, account.email?.split('@')[0], account.displayName]
    .filter((value): value is string => value !== undefined && value.length >= 4)
    .map((value) => value.toLowerCase());
  if (personal.includes(lowered)) refuse('must not be your email address or name.');
  if (new Set(lowered).size < 4) refuse('uses too few different characters.');
}
